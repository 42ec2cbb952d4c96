# p2s_rle_ipsc_tiny with the strong augmentation of the demo base (train_pipeline_strong:
# zoom jitter, 8 flips / rotations, intensity), the pipeline of every paradigm in
# `--suite demo-aug`: the token model at its best on this data (72.9 +/- 0.6 mDice at
# 4,000 iterations, 3 seeds, 89 % of its token ceiling; README).
_base_ = ['./p2s_rle_ipsc_tiny.py']
train_dataloader = dict(dataset=dict(pipeline=_base_.train_pipeline_strong))
