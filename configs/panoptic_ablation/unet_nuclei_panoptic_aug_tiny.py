# unet_nuclei_panoptic_tiny.py (instances: connected components of its class map) trained
# with the strong augmentation of the shipped instance-token model
# (p2s_rle_nuclei_panoptic_tiny.py) instead of the panoptic dataset's flips: the
# components reference on the same pipeline.
_base_ = ['../unet_nuclei_panoptic_tiny.py']
train_pipeline = _base_.train_pipeline[:2] + _base_.strong_augment + _base_.train_pipeline[-1:]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
