# Video-ablation lever: p2s_rle_hela_video_tiny.py with the spec's resampling of every
# frame (each 4 x 4 mask block keeps its top-left pixel, decoded frames are upsampled by
# block repeat) instead of block majority and bilinear upsampling.
_base_ = ['../p2s_rle_hela_video_tiny.py']

model = dict(tokenizer=dict(subsample=dict(mode='nearest'), upsample='nearest'))
