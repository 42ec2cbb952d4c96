# DeepLabV3+ shrunk for CPU tests and the demo: ResNetV1c-18 at half width (stem and
# base 32 channels: stages 32/64/128/256 instead of 64/128/256/512), head widths
# halved with it. (At 16 base channels it still predicted only background after 200
# demo iterations; at 32 it learns within the demo schedule.)
_base_ = ['./deeplabv3plus.py']

model = dict(
    pretrained=None,  # from scratch (the demo and tests never download weights)
    backbone=dict(depth=18, stem_channels=32, base_channels=32),
    decode_head=dict(in_channels=256, channels=64, c1_in_channels=32, c1_channels=12),
    auxiliary_head=dict(in_channels=128, channels=32))
