# mmdet's Mask R-CNN (tiny, from scratch; _base_/models/maskrcnn_tiny.py) on the real HeLa
# frames with instance maps (hela_panoptic.py: the split, pipeline and metrics of every
# HeLa panoptic config), scored for PQ on its own instances. Budget: the nuclei config's
# 800 iterations (not yet checked on the HeLa validation split).
_base_ = ['./_base_/models/maskrcnn_tiny.py', './_base_/datasets/hela_panoptic.py',
          './_base_/default_runtime.py', './_base_/schedules/schedule_tiny_800.py']
model = dict(detector=dict(roi_head=dict(
    bbox_head=dict(num_classes=_base_.num_classes - 1),
    mask_head=dict(num_classes=_base_.num_classes - 1))))
