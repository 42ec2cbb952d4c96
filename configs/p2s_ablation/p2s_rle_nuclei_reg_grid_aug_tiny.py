# Ablation, lever e (augmentation) on top of the mask-grid, regularised model: the
# nuclei base's train_pipeline_strong (zoom jitter, 8 flips / rotations, intensity).
_base_ = ['./p2s_rle_nuclei_reg_grid_tiny.py']
train_dataloader = dict(dataset=dict(pipeline=_base_.train_pipeline_strong))
