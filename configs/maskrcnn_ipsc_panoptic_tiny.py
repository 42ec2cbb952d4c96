# mmdet's Mask R-CNN (tiny, from scratch; _base_/models/maskrcnn_tiny.py) on the panoptic
# variant of the generated demo data (ipsc_panoptic_demo.py, the dataset config of
# p2s_rle_ipsc_panoptic_tiny.py: same split, pipeline and metrics), scored for PQ on its
# own instances: the instance model the demo's token model is compared with.
_base_ = ['./_base_/models/maskrcnn_tiny.py', './_base_/datasets/ipsc_panoptic_demo.py',
          './_base_/default_runtime.py', './_base_/schedules/schedule_tiny.py']
model = dict(detector=dict(roi_head=dict(
    bbox_head=dict(num_classes=_base_.num_classes - 1),
    mask_head=dict(num_classes=_base_.num_classes - 1))))
