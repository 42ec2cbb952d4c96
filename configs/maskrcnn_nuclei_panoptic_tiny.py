# mmdet's Mask R-CNN (tiny, from scratch; _base_/models/maskrcnn_tiny.py) on the real
# nuclei crops with instance maps (nuclei_panoptic.py: the split, pipeline and metrics of
# every panoptic model config), scored for PQ on its own instances. Budget 400 iterations
# (schedule_tiny_400.py, the dense demo budget): about 0.55-1.8 s an iteration on the
# shared 2-core CPU, so 1,500 did not fit three seeds in the session's time.
_base_ = ['./_base_/models/maskrcnn_tiny.py', './_base_/datasets/nuclei_panoptic.py',
          './_base_/default_runtime.py', './_base_/schedules/schedule_tiny_400.py']
model = dict(detector=dict(roi_head=dict(
    bbox_head=dict(num_classes=_base_.num_classes - 1),
    mask_head=dict(num_classes=_base_.num_classes - 1))))
