# p2s_rle_ipsc_tiny with the strong augmentation of the demo base (train_pipeline_strong:
# zoom jitter, 8 flips / rotations, intensity), the pipeline of every paradigm in
# `--suite demo-aug`, for schedules of thousands of iterations. On the 32 x 32 mask grid:
# p2s_ablation/p2s_rle_ipsc_end_aug_attn0_s32_tiny.py (a higher token ceiling at several
# times the cost of a training step). Results: configs/p2s_ablation/README.md.
_base_ = ['./p2s_rle_ipsc_tiny.py']
train_dataloader = dict(dataset=dict(pipeline=_base_.train_pipeline_strong))
