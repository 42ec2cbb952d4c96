# Ablation, lever e (augmentation) on top of the pointer model (reg_grid_pointer): the
# nuclei base's train_pipeline_strong (zoom jitter, 8 flips / rotations, intensity).
_base_ = ['./p2s_rle_nuclei_plain_tiny.py']
model = dict(encoder=_base_.regularised, decoder=_base_.regularised, memory_size='mask',
             coordinate_embed='init', coordinate_pointer=True)
train_dataloader = dict(dataset=dict(pipeline=_base_.train_pipeline_strong))
