# Mask2Former R-50 (trained from scratch) on IPSC: mmseg's Mask2Former optimiser
# recipe (AdamW 1e-4, no decay on queries and norms) without the backbone lr_mult 0.1
# meant for ImageNet weights, on mmseg's 40k-iteration schedule. Paper scale (GPU); on
# a GPU with a CPU-only mmcv, PyTorchDeformAttnHook selects the PyTorch deformable
# attention.
_base_ = ['./_base_/models/mask2former.py', './_base_/datasets/ipsc.py',
          './_base_/default_runtime.py', './_base_/schedules/schedule_mask2former_40k.py']
model = dict(decode_head=dict(
    num_classes=_base_.num_classes,
    loss_cls=dict(class_weight=[1.0] * _base_.num_classes + [0.1])))
