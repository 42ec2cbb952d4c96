# The shipped p2s_rle_nuclei_panoptic_tiny.py trained with the nuclei crops' strong
# augmentation (strong_augment.py: zoom 1-1.5x with a random 64 x 64 crop, flips /
# rotations, intensity; the instance map follows every geometric step) instead of the
# panoptic dataset's flips.
_base_ = ['../p2s_rle_nuclei_panoptic_tiny.py']
train_pipeline = _base_.train_pipeline[:2] + _base_.strong_augment + _base_.train_pipeline[-1:]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
