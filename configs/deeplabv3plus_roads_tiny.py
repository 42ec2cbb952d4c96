# DeepLabV3+ (ResNet-18, 16 base channels, from scratch) on the real satellite roads
# crops: the same data, pipeline and schedule as p2s_rle_roads_tiny.
_base_ = ['./_base_/models/deeplabv3plus_tiny.py', './_base_/datasets/roads.py',
          './_base_/default_runtime.py', './_base_/schedules/schedule_tiny.py']
model = dict(decode_head=dict(num_classes=_base_.num_classes),
             auxiliary_head=dict(num_classes=_base_.num_classes))
