# UNet s5-d16 + FCN head (mmseg's model, from scratch, 16 base channels) on the
# generated IPSC-like demo data: the CPU demo / test scale of unet_ipsc.py.
# Schedule: schedule_tiny as is (200 AdamW iterations), like the token model's.
_base_ = ['./_base_/models/unet_tiny.py', './_base_/datasets/ipsc_demo.py',
          './_base_/default_runtime.py', './_base_/schedules/schedule_tiny.py']
model = dict(decode_head=dict(num_classes=_base_.num_classes),
             auxiliary_head=dict(num_classes=_base_.num_classes))
