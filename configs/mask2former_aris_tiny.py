# Mask2Former (from scratch, ResNet-18 with 16 base channels, 64-d, 3 decoder layers)
# on the generated ARIS-like demo data: the CPU demo / test scale of
# mask2former_aris.py.
# Schedule: schedule_tiny as is (200 AdamW iterations), like the token model's.
_base_ = ['./_base_/models/mask2former_tiny.py', './_base_/datasets/aris_demo.py',
          './_base_/default_runtime.py', './_base_/schedules/schedule_tiny.py']
model = dict(decode_head=dict(
    num_classes=_base_.num_classes,
    loss_cls=dict(class_weight=[1.0] * _base_.num_classes + [0.1])))
