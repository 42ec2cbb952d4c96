# Dense lever against class imbalance (rare foreground, roads): Mask2Former with the
# classification loss's class weights from the training pixel frequencies
# (roads_class_weight of _base_/roads_levers.py) for background and road, and its own 0.1
# for "no object". Its mask and Dice losses are configs/mask2former_roads_tiny.py's.
_base_ = ['../mask2former_roads_tiny.py', './_base_/roads_levers.py']
model = dict(decode_head=dict(loss_cls=dict(
    class_weight=_base_.roads_class_weight + [0.1])))
