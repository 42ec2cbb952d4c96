# DeepLabV3+ R-50-D8 (mmseg's model) from mmseg's ImageNet-pretrained ResNetV1c-50
# (open-mmlab://resnet50_v1c, downloaded once by mmengine, loaded with
# weights_only=True). From scratch: --cfg-options model.pretrained=None.
# Batches are padded to a multiple of 32 (mmseg's experiment configs pad to a fixed
# crop size instead; the dataset configs here decide the sizes).
_base_ = ['mmseg::_base_/models/deeplabv3plus_r50-d8.py']

model = dict(
    data_preprocessor=dict(size_divisor=32, test_cfg=dict(size_divisor=32)))
