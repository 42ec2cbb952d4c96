# DeepLabV3+ R-50-D8 (mmseg's model, trained from scratch) on ARIS, mmseg's
# 40k-iteration SGD schedule: the paper-scale (GPU) baseline.
_base_ = ['./_base_/models/deeplabv3plus.py', './_base_/datasets/aris.py',
          './_base_/default_runtime.py', 'mmseg::_base_/schedules/schedule_40k.py']
model = dict(decode_head=dict(num_classes=_base_.num_classes),
             auxiliary_head=dict(num_classes=_base_.num_classes))
