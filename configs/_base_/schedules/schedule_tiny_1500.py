# The tiny schedule (schedule_tiny.py) over 1500 iterations: the same AdamW, a linear
# warm-up over the first tenth, then poly decay (what `tools/benchmark.py --iters 1500`
# makes of schedule_tiny.py). The nuclei demo budget of the configs that use it.
_base_ = ['./schedule_tiny.py']
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=150),
    dict(type='PolyLR', eta_min=1e-5, power=1.0, by_epoch=False, begin=150, end=1500),
]
train_cfg = dict(max_iters=1500, val_interval=1500)
default_hooks = dict(checkpoint=dict(interval=1500))
