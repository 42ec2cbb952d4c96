"""Training budgets that mean what they say: a config's iteration schedule scaled to N.

Overriding ``train_cfg.max_iters`` alone leaves every parameter scheduler on the
config's own length: trained 8,000 iterations, a 200-iteration config sits at its final
learning rate for 97 % of training. :func:`scale_schedule` stretches (or shrinks) the
whole schedule instead: every iteration-based scheduler's ``begin`` / ``end``, the
validation interval and the checkpoint interval, so that the last scheduler ends at N.
"""
from __future__ import annotations

import math
from typing import Any, List, Optional

#: mmengine's "until the end of training" default of ``end``.
_UNBOUNDED = (None, math.inf)


def config_iters(cfg) -> int:
    """The training length of an iteration-based config (``train_cfg.max_iters``).

    Raises:
        ValueError: for epoch-based configs (the benchmark counts iterations).
    """
    train_cfg = cfg.get('train_cfg') or {}
    if train_cfg.get('max_iters') is None:
        raise ValueError('the benchmark scales iteration-based schedules: the config has '
                         f"no train_cfg.max_iters (train_cfg={dict(train_cfg)})")
    return int(train_cfg['max_iters'])


def _schedulers(cfg) -> List[Any]:
    schedulers = cfg.get('param_scheduler')
    if schedulers is None:
        return []
    return list(schedulers) if isinstance(schedulers, (list, tuple)) else [schedulers]


def _scaled(value: int, ratio: float) -> int:
    return int(round(value * ratio))


def scale_schedule(cfg, iters: int) -> None:
    """Scale ``cfg``'s schedule, in place, from its own length to ``iters``.

    * ``train_cfg.max_iters`` = ``iters``;
    * every iteration-based parameter scheduler: ``begin`` and ``end`` times
      ``iters / max_iters`` (rounded; a span never shrinks below one iteration), and
      the scheduler that ends last ends at exactly ``iters``;
    * ``train_cfg.val_interval`` and the ``CheckpointHook`` interval scaled alike
      (at least 1, at most ``iters``).

    Epoch-based schedulers (``by_epoch=True``) are refused: their length is not an
    iteration count.

    Args:
        cfg: an mmengine ``Config`` (modified in place).
        iters: the new training length N (>= 1).

    Raises:
        ValueError: ``iters`` < 1, an epoch-based config or scheduler.
    """
    if iters < 1:
        raise ValueError(f'--iters must be at least 1, got {iters}')
    own = config_iters(cfg)
    ratio = iters / own
    schedulers = _schedulers(cfg)
    last_end: Optional[int] = None
    for scheduler in schedulers:
        if scheduler.get('by_epoch', True):
            raise ValueError(f"cannot scale the epoch-based scheduler {scheduler['type']}: "
                             'set by_epoch=False in the config')
        begin = min(_scaled(int(scheduler.get('begin', 0)), ratio), iters - 1)
        scheduler['begin'] = begin
        end = scheduler.get('end')
        if end not in _UNBOUNDED:
            end = max(begin + 1, min(_scaled(int(end), ratio), iters))
            scheduler['end'] = end
            last_end = end if last_end is None else max(last_end, end)
    if last_end is not None:
        for scheduler in schedulers:
            if scheduler.get('end') == last_end:
                scheduler['end'] = iters
    cfg.train_cfg.max_iters = iters
    if cfg.train_cfg.get('val_interval'):
        cfg.train_cfg.val_interval = max(1, min(iters, _scaled(cfg.train_cfg.val_interval,
                                                               ratio)))
    checkpoint = (cfg.get('default_hooks') or {}).get('checkpoint')
    if checkpoint and checkpoint.get('interval'):
        checkpoint['interval'] = max(1, min(iters, _scaled(checkpoint['interval'], ratio)))
