# CPU-sized DeepLabV3+ on the real HeLa frames one by one (hela.py; see unet_hela_tiny.py).
_base_ = ['./_base_/models/deeplabv3plus_tiny.py', './_base_/datasets/hela.py',
          './_base_/default_runtime.py', './_base_/schedules/schedule_tiny_400.py']
model = dict(decode_head=dict(num_classes=_base_.num_classes),
             auxiliary_head=dict(num_classes=_base_.num_classes))
