# Ablation on the IPSC-like demo, lever e (augmentation) on top of
# reg_grid_pointer_majority_bilinear ((row, column) starts, the coordinate pointer, the
# majority / bilinear resampling): the demo base's train_pipeline_strong (zoom jitter,
# 8 flips / rotations, intensity), the pipeline of every paradigm in `--suite demo-aug`.
_base_ = ['./p2s_rle_ipsc_plain_tiny.py']
model = dict(encoder=_base_.regularised, decoder=_base_.regularised, memory_size='mask',
             coordinate_embed='init', coordinate_pointer=True,
             tokenizer=dict(subsample=dict(mode='majority'), upsample='bilinear'))
train_dataloader = dict(dataset=dict(pipeline=_base_.train_pipeline_strong))
