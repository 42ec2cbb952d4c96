# The tiny schedule (schedule_tiny.py) over 400 iterations: the same AdamW, a linear
# warm-up over the first tenth, then poly decay (what `tools/benchmark.py --iters 400`
# makes of schedule_tiny.py). The nuclei demo budget of the configs that use it.
_base_ = ['./schedule_tiny.py']
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=40),
    dict(type='PolyLR', eta_min=1e-5, power=1.0, by_epoch=False, begin=40, end=400),
]
train_cfg = dict(max_iters=400, val_interval=400)
default_hooks = dict(checkpoint=dict(interval=400))
