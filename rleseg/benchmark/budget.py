"""``--budget-minutes``: the iterations a model gets from a timed warm-up on the
machine the run lands on."""
from __future__ import annotations

import copy
import os.path as osp
import statistics
import time
from typing import Any, Dict

#: Iterations of the timed warm-up that sizes a ``--budget-minutes`` run.
WARMUP_ITERS = 12


def _timed_warmup(cfg, model_dir: str, iters: int) -> float:
    """Median seconds per training iteration of ``cfg`` over a short throw-away run of
    ``iters`` iterations (the first two, which build and warm caches, are not
    counted). Nothing of the run is kept but its log under ``budget_warmup/``."""
    from mmengine.runner import Runner

    from .measure import BenchmarkHook
    warm = copy.deepcopy(cfg)
    warm.work_dir = osp.join(model_dir, 'budget_warmup')
    warm.experiment_name = f'budget_warmup_{time.time_ns()}'
    warm.train_cfg.max_iters = iters
    warm.default_hooks.checkpoint = dict(type='CheckpointHook', interval=iters + 1,
                                         save_last=False)
    warm.resume, warm.load_from = False, None
    hook = BenchmarkHook()
    runner = Runner.from_cfg(warm)
    runner.register_hook(hook)
    runner.train()
    return statistics.median(hook.iter_seconds[2:] or hook.iter_seconds)


def budget_iterations(cfg, model_dir: str, minutes: float,
                      warmup_iters: int = WARMUP_ITERS) -> Dict[str, Any]:
    """Iterations that fit ``minutes`` (> 0, checked with the grid's settings) of
    training for ``cfg`` on this machine.

    Returns:
        ``dict(minutes, warmup_iters, warmup_sec_per_iter, iters)``; ``iters`` is at
        least 1.
    """
    seconds = _timed_warmup(cfg, model_dir, warmup_iters)
    return dict(minutes=minutes, warmup_iters=warmup_iters, warmup_sec_per_iter=seconds,
                iters=max(1, int(minutes * 60.0 / seconds)))
