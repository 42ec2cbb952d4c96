# mmdet's Mask2Former for instances (tiny, from scratch;
# _base_/models/mask2former_instance_tiny.py) on the real nuclei crops with instance maps
# (nuclei_panoptic.py: the split, pipeline and metrics of every panoptic model config),
# scored for PQ on its own instances.
_base_ = ['./_base_/models/mask2former_instance_tiny.py',
          './_base_/datasets/nuclei_panoptic.py',
          './_base_/default_runtime.py', './_base_/schedules/schedule_tiny_1500.py']
things = _base_.num_classes - 1
model = dict(detector=dict(
    panoptic_head=dict(num_things_classes=things,
                       loss_cls=dict(class_weight=[1.0] * things + [0.1])),
    panoptic_fusion_head=dict(num_things_classes=things)))
