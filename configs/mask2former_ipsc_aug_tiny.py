# mask2former_ipsc_tiny with the strong augmentation of the demo base (train_pipeline_strong:
# zoom jitter, 8 flips / rotations, intensity), the pipeline of every paradigm in
# `--suite demo-aug` (longer schedules; docs/results.md).
_base_ = ['./mask2former_ipsc_tiny.py']
train_dataloader = dict(dataset=dict(pipeline=_base_.train_pipeline_strong))
