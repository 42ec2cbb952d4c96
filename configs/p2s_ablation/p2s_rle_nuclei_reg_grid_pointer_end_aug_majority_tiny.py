# Ablation, tokenizer resampling (lever a, the mask side of the grid) on top of
# reg_grid_pointer_end_aug: each 4 x 4 block of the 64 x 64 mask becomes its majority label
# instead of its top-left pixel (which shifts every mask by 1.5 pixels towards the
# top-left); decoded masks are still upsampled by block repeat.
_base_ = ['./p2s_rle_nuclei_plain_tiny.py']
model = dict(encoder=_base_.regularised, decoder=_base_.regularised, memory_size='mask',
             coordinate_embed='init', coordinate_pointer=True, length_pointer=True,
             tokenizer=dict(starts='flat', subsample=dict(mode='majority')))
train_dataloader = dict(dataset=dict(pipeline=_base_.train_pipeline_strong))
