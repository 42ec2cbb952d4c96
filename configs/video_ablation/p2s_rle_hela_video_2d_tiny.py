# Video-ablation: every window lever of the token model off, i.e. the model of
# p2s_rle_tiny_2d.py ((row, column) starts, no coordinate code, no pointers, each mask
# block's top-left pixel, block-repeat upsampling), which the video configs used before
# the levers reached windows; the data, augmentation and schedule of
# p2s_rle_hela_video_tiny.py.
_base_ = ['./p2s_rle_hela_video_starts2d_tiny.py']

model = dict(
    tokenizer=dict(subsample=dict(mode='nearest'), upsample='nearest'),
    coordinate_embed=None)
