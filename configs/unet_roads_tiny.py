# UNet s5-d16 + FCN head (mmseg's model, from scratch, 16 base channels) on the real
# satellite roads crops: the same data, pipeline and schedule as p2s_rle_roads_tiny.
_base_ = ['./_base_/models/unet_tiny.py', './_base_/datasets/roads.py',
          './_base_/default_runtime.py', './_base_/schedules/schedule_tiny.py']
model = dict(decode_head=dict(num_classes=_base_.num_classes),
             auxiliary_head=dict(num_classes=_base_.num_classes))
