# unet_hela_tiny.py on the HeLa frames with instance maps (hela_panoptic.py), scored for
# panoptic quality through the connected components of its class map.
_base_ = ['./_base_/models/unet_tiny.py', './_base_/datasets/hela_panoptic.py',
          './_base_/default_runtime.py', './_base_/schedules/schedule_tiny_400.py']
model = dict(decode_head=dict(num_classes=_base_.num_classes),
             auxiliary_head=dict(num_classes=_base_.num_classes))
