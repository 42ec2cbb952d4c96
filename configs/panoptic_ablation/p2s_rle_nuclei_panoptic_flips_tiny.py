# The shipped p2s_rle_nuclei_panoptic_tiny.py trained with the panoptic dataset's flips
# only (nuclei_panoptic.py) instead of the strong augmentation.
_base_ = ['../p2s_rle_nuclei_panoptic_tiny.py']
train_dataloader = dict(dataset=dict(pipeline=_base_.train_pipeline))
