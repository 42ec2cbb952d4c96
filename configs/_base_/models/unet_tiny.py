# UNet s5-d16 + FCN head (mmseg's model, from scratch) shrunk for CPU tests and the
# demo: base 16 channels instead of 64, whole-image inference on the small demo images
# (padded to a multiple of 32 for the 4 down-samplings).
_base_ = ['mmseg::_base_/models/fcn_unet_s5-d16.py']

model = dict(
    data_preprocessor=dict(size_divisor=32, test_cfg=dict(size_divisor=32)),
    backbone=dict(base_channels=16),
    decode_head=dict(in_channels=16, channels=16),
    auxiliary_head=dict(in_channels=32, channels=16),
    test_cfg=dict(_delete_=True, mode='whole'))
