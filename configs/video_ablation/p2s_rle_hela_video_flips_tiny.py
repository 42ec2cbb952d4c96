# Video-ablation lever: p2s_rle_hela_video_tiny.py trained with flips only (one random
# flip per window, hela_video.py's train_pipeline_flips) instead of the strong
# augmentation.
_base_ = ['../p2s_rle_hela_video_tiny.py']

train_dataloader = dict(dataset=dict(pipeline=_base_.train_pipeline_flips))
