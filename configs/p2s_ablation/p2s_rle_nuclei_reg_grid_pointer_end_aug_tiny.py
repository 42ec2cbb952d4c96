# Ablation, levers d + e: the run-end pointer model (reg_grid_pointer_end: flat starts,
# starts and lengths scored against the memory) with the nuclei base's
# train_pipeline_strong.
_base_ = ['./p2s_rle_nuclei_plain_tiny.py']
model = dict(encoder=_base_.regularised, decoder=_base_.regularised, memory_size='mask',
             coordinate_embed='init', coordinate_pointer=True, length_pointer=True,
             tokenizer=dict(starts='flat'))
train_dataloader = dict(dataset=dict(pipeline=_base_.train_pipeline_strong))
