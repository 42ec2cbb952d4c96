# Ablation on the IPSC-like demo, lever e (augmentation) on top of
# reg_grid_pointer_majority_bilinear ((row, column) starts, the coordinate pointer, the
# majority / bilinear resampling; p2s_rle_ipsc_tiny until 2026-12-06): the demo base's
# train_pipeline_strong (zoom jitter, 8 flips / rotations, intensity), the pipeline of
# every paradigm in `--suite demo-aug`.
_base_ = ['./p2s_rle_ipsc_reg_grid_pointer_majority_bilinear_tiny.py']
train_dataloader = dict(dataset=dict(pipeline=_base_.train_pipeline_strong))
