# mmseg's Mask2Former optimiser recipe (AdamW 1e-4, no decay on queries and norms)
# without the backbone lr_mult 0.1 meant for ImageNet weights, on mmseg's 40k-iteration
# schedule: the paper-scale (GPU) Mask2Former baselines.
_base_ = ['mmseg::_base_/schedules/schedule_40k.py']

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
