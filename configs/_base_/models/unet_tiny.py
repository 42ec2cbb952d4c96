# UNet (unet.py) shrunk for CPU tests and the demo: base 16 channels instead of 64.
_base_ = ['./unet.py']

model = dict(
    backbone=dict(base_channels=16),
    decode_head=dict(in_channels=16, channels=16),
    auxiliary_head=dict(in_channels=32, channels=16))
