# Ablation, lever e (augmentation) on top of the mask-grid, regularised model (reg_grid):
# the nuclei base's train_pipeline_strong (zoom jitter, 8 flips / rotations, intensity).
_base_ = ['./p2s_rle_nuclei_plain_tiny.py']
model = dict(encoder=_base_.regularised, decoder=_base_.regularised, memory_size='mask')
train_dataloader = dict(dataset=dict(pipeline=_base_.train_pipeline_strong))
