# Ablation, lever e (augmentation) on top of the pointer model (the shipped tiny settings):
# the nuclei base's train_pipeline_strong (zoom jitter, 8 flips / rotations, intensity).
_base_ = ['./p2s_rle_nuclei_reg_grid_pointer_tiny.py']
train_dataloader = dict(dataset=dict(pipeline=_base_.train_pipeline_strong))
