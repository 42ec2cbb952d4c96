# DeepLabV3+ (mmseg's model, from scratch, ResNetV1c-18 with 32 base channels) on the
# generated ARIS-like demo data: the CPU demo / test scale of deeplabv3plus_aris.py.
# Schedule: schedule_tiny as is (200 AdamW iterations), like the token model's.
_base_ = ['./_base_/models/deeplabv3plus_tiny.py', './_base_/datasets/aris_demo.py',
          './_base_/default_runtime.py', './_base_/schedules/schedule_tiny.py']
model = dict(decode_head=dict(num_classes=_base_.num_classes),
             auxiliary_head=dict(num_classes=_base_.num_classes))
