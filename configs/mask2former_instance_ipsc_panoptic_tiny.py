# mmdet's Mask2Former for instances (tiny, from scratch;
# _base_/models/mask2former_instance_tiny.py) on the panoptic variant of the generated demo
# data (ipsc_panoptic_demo.py, the dataset config of p2s_rle_ipsc_panoptic_tiny.py), scored
# for PQ on its own instances.
_base_ = ['./_base_/models/mask2former_instance_tiny.py',
          './_base_/datasets/ipsc_panoptic_demo.py',
          './_base_/default_runtime.py', './_base_/schedules/schedule_tiny.py']
things = _base_.num_classes - 1
model = dict(detector=dict(
    panoptic_head=dict(num_things_classes=things,
                       loss_cls=dict(class_weight=[1.0] * things + [0.1])),
    panoptic_fusion_head=dict(num_things_classes=things)))
