# p2s_rle_ipsc_tiny with the strong augmentation of the demo base (train_pipeline_strong:
# zoom jitter, 8 flips / rotations, intensity), the pipeline of every paradigm in
# `--suite demo-aug`: 72.9 +/- 0.6 mDice at 4,000 iterations, 3 seeds, 89 % of its S = 16
# token ceiling (README). For longer schedules the 32 x 32 mask grid does better:
# p2s_ablation/p2s_rle_ipsc_end_aug_attn0_s32_tiny.py, 79.7 +/- 1.6 at 8,000 iterations
# (ceiling 91.2), at about 3.5x the cost of a training step.
_base_ = ['./p2s_rle_ipsc_tiny.py']
train_dataloader = dict(dataset=dict(pipeline=_base_.train_pipeline_strong))
