# Ablation, tokenizer resolution on top of reg_grid_pointer_end_aug: masks subsampled x2
# to S = 32 instead of x4 to 16 (top-left pixel, block repeat; a higher token ceiling);
# the memory follows the mask grid (32 x 32 cells).
_base_ = ['./p2s_rle_nuclei_plain_tiny.py']
model = dict(encoder=_base_.regularised, decoder=_base_.regularised, memory_size='mask',
             coordinate_embed='init', coordinate_pointer=True, length_pointer=True,
             tokenizer=dict(starts='flat', mask_size=32, subsample=dict(factor=2)))
train_dataloader = dict(dataset=dict(pipeline=_base_.train_pipeline_strong))
