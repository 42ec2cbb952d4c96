# UNet s5-d16 + FCN head (mmseg's model) trained from scratch, with whole-image inference
# (inputs padded to a multiple of 32 for the 4 down-samplings) instead of mmseg's
# 256-pixel sliding window.
_base_ = ['mmseg::_base_/models/fcn_unet_s5-d16.py']

model = dict(
    data_preprocessor=dict(size_divisor=32, test_cfg=dict(size_divisor=32)),
    test_cfg=dict(_delete_=True, mode='whole'))
