# The tiny schedule (schedule_tiny.py) over 4500 iterations: the same AdamW, a linear
# warm-up over the first tenth, then poly decay (what `tools/benchmark.py --iters 4500`
# makes of schedule_tiny_1500.py). The HeLa instance-token budget, chosen on val.
_base_ = ['./schedule_tiny.py']
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=450),
    dict(type='PolyLR', eta_min=1e-5, power=1.0, by_epoch=False, begin=450, end=4500),
]
train_cfg = dict(max_iters=4500, val_interval=4500)
default_hooks = dict(checkpoint=dict(interval=4500))
