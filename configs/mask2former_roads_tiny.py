# Mask2Former (ResNet-18, 16 base channels, from scratch) on the real satellite roads
# crops: the same data, pipeline and schedule as p2s_rle_roads_tiny.
_base_ = ['./_base_/models/mask2former_tiny.py', './_base_/datasets/roads.py',
          './_base_/default_runtime.py', './_base_/schedules/schedule_tiny.py']
model = dict(decode_head=dict(
    num_classes=_base_.num_classes,
    loss_cls=dict(class_weight=[1.0] * _base_.num_classes + [0.1])))
