# UNet s5-d16 + FCN head (mmseg's model, trained from scratch) on ARIS, mmseg's
# 40k-iteration SGD schedule: the paper-scale (GPU) baseline. Whole-image inference
# (frames padded to a multiple of 32) instead of mmseg's 256-pixel sliding window.
_base_ = ['./_base_/models/unet.py', './_base_/datasets/aris.py',
          './_base_/default_runtime.py', 'mmseg::_base_/schedules/schedule_40k.py']
model = dict(decode_head=dict(num_classes=_base_.num_classes),
             auxiliary_head=dict(num_classes=_base_.num_classes))
