# mask2former_hela_tiny.py on the HeLa frames with instance maps (hela_panoptic.py)
# scored for panoptic quality: its semantic prediction's connected components are its
# instances.
_base_ = ['./_base_/models/mask2former_tiny.py', './_base_/datasets/hela_panoptic.py',
          './_base_/default_runtime.py', './_base_/schedules/schedule_tiny_400.py']
model = dict(decode_head=dict(
    num_classes=_base_.num_classes,
    loss_cls=dict(class_weight=[1.0] * _base_.num_classes + [0.1])))
