# The tiny schedule (schedule_tiny.py) over 800 iterations: the same AdamW, a linear
# warm-up over the first tenth, then poly decay (what `tools/benchmark.py --iters 800`
# makes of schedule_tiny.py). The budget of the Mask R-CNN instance baselines.
_base_ = ['./schedule_tiny.py']
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=80),
    dict(type='PolyLR', eta_min=1e-5, power=1.0, by_epoch=False, begin=80, end=800),
]
train_cfg = dict(max_iters=800, val_interval=800)
default_hooks = dict(checkpoint=dict(interval=800))
