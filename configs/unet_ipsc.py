# UNet s5-d16 + FCN head (mmseg's model, trained from scratch) on IPSC, mmseg's
# 40k-iteration SGD schedule: the paper-scale (GPU) baseline. Whole-image inference
# (frames padded to a multiple of 32) instead of mmseg's 256-pixel sliding window.
_base_ = [
    'mmseg::_base_/models/fcn_unet_s5-d16.py', './_base_/datasets/ipsc.py',
    './_base_/default_runtime.py', 'mmseg::_base_/schedules/schedule_40k.py'
]
num_classes = _base_.num_classes
model = dict(
    data_preprocessor=dict(size_divisor=32, test_cfg=dict(size_divisor=32)),
    decode_head=dict(num_classes=num_classes),
    auxiliary_head=dict(num_classes=num_classes),
    test_cfg=dict(_delete_=True, mode='whole'))
val_evaluator = dict(_delete_=True, type='PerClassSegMetric')
test_evaluator = dict(_delete_=True, type='PerClassSegMetric')
