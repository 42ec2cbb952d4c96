# DeepLabV3+ R-50-D8 (mmseg's model) trained from scratch: no ImageNet weights can be
# fetched here, so `pretrained` is cleared and every layer keeps its default init.
# Batches are padded to a multiple of 32 (mmseg's experiment configs pad to a fixed
# crop size instead; the dataset configs here decide the sizes).
_base_ = ['mmseg::_base_/models/deeplabv3plus_r50-d8.py']

model = dict(
    pretrained=None,
    backbone=dict(init_cfg=None),
    data_preprocessor=dict(size_divisor=32, test_cfg=dict(size_divisor=32)))
