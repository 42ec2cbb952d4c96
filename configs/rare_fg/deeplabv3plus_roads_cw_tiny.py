# Dense lever against class imbalance (rare foreground, roads): DeepLabV3+ with class-weighted
# cross-entropy (mmseg's class_weight, roads_class_weight of _base_/roads_levers.py: the
# inverse square root of the training pixel frequencies, mean pixel weight 1) on the decode
# and auxiliary heads. Everything else is configs/deeplabv3plus_roads_tiny.py.
_base_ = ['../deeplabv3plus_roads_tiny.py', './_base_/roads_levers.py']
model = dict(
    decode_head=dict(loss_decode=dict(class_weight=_base_.roads_class_weight)),
    auxiliary_head=dict(loss_decode=dict(class_weight=_base_.roads_class_weight)))
