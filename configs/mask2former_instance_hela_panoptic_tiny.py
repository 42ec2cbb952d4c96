# mmdet's Mask2Former for instances (tiny, from scratch;
# _base_/models/mask2former_instance_tiny.py) on the real HeLa frames with instance maps
# (hela_panoptic.py: the split, pipeline and metrics of every HeLa panoptic config),
# scored for PQ on its own instances. Budget: the nuclei config's 1,500 iterations (not
# yet checked on the HeLa validation split).
_base_ = ['./_base_/models/mask2former_instance_tiny.py',
          './_base_/datasets/hela_panoptic.py',
          './_base_/default_runtime.py', './_base_/schedules/schedule_tiny_1500.py']
things = _base_.num_classes - 1
model = dict(detector=dict(
    panoptic_head=dict(num_things_classes=things,
                       loss_cls=dict(class_weight=[1.0] * things + [0.1])),
    panoptic_fusion_head=dict(num_things_classes=things)))
