# Mask2Former R-50 (trained from scratch) on IPSC: mmseg's Mask2Former optimiser
# recipe (AdamW 1e-4, no decay on queries and norms) without the backbone lr_mult 0.1
# meant for ImageNet weights, on mmseg's 40k-iteration schedule. Paper scale (GPU); on
# a GPU with a CPU-only mmcv, PyTorchDeformAttnHook selects the PyTorch deformable
# attention.
_base_ = [
    './_base_/models/mask2former.py', './_base_/datasets/ipsc.py',
    './_base_/default_runtime.py', 'mmseg::_base_/schedules/schedule_40k.py'
]
custom_imports = dict(imports=['rleseg', 'mmdet.models'], allow_failed_imports=False)
custom_hooks = _base_.custom_hooks + [dict(type='PyTorchDeformAttnHook')]
num_classes = _base_.num_classes
model = dict(
    decode_head=dict(
        num_classes=num_classes,
        loss_cls=dict(class_weight=[1.0] * num_classes + [0.1])))
embed_multi = dict(lr_mult=1.0, decay_mult=0.0)
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=0.0001, weight_decay=0.05, eps=1e-8, betas=(0.9, 0.999)),
    clip_grad=dict(max_norm=0.01, norm_type=2),
    paramwise_cfg=dict(
        custom_keys={
            'query_embed': embed_multi,
            'query_feat': embed_multi,
            'level_embed': embed_multi,
        },
        norm_decay_mult=0.0))
val_evaluator = dict(_delete_=True, type='PerClassSegMetric')
test_evaluator = dict(_delete_=True, type='PerClassSegMetric')
