"""What one training step of a config's model costs on this machine, before training it.

:func:`measure_step` builds the model of a config and its optimiser wrapper, takes one
batch of ``train_dataloader.batch_size`` items through the training pipeline, runs one
warm-up step and then ``steps`` timed steps (``model.train_step``: data preprocessing,
forward, backward, optimiser; data loading excluded) and returns the median seconds and
the peak memory of those steps (:class:`rleseg.benchmark.measure.PeakMemory`: the
process's resident-set high-water mark on CPU, allocated CUDA memory on a GPU), in MiB.
``tools/benchmark.py --dataset`` uses it to keep the token model's step within a budget
relative to the dense baselines' (:mod:`rleseg.benchmark.derive`).
"""
from __future__ import annotations

import statistics
import time
from typing import Optional

from .derive import StepCost


def measure_step(cfg, dataset, steps: int = 3,
                 give_up_s: Optional[float] = None) -> StepCost:
    """Cost of a training step of ``cfg.model`` on items of ``dataset``.

    Args:
        cfg: an mmengine ``Config`` (``model``, ``optim_wrapper``, ``train_dataloader``).
        dataset: the built training dataset (its first items form the batch).
        steps: timed steps after the warm-up (>= 1).
        give_up_s: when the warm-up step alone takes longer, it is returned as the cost
            without timing more steps (a step far over a budget needs no precision).

    Returns:
        The median seconds per step and the peak memory (MiB) of the timed steps.
    """
    import torch
    from mmengine.dataset import pseudo_collate
    from mmengine.optim import build_optim_wrapper
    from mmseg.registry import MODELS

    from .measure import PeakMemory

    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    if torch.cuda.is_available():
        model = model.cuda()
    model.train()
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    size = int(cfg.train_dataloader.get('batch_size', 1))
    batch = pseudo_collate([dataset[index % len(dataset)] for index in range(size)])
    peak = PeakMemory()
    peak.start()
    seconds = [_timed(model, batch, optim_wrapper)]
    if give_up_s is None or seconds[0] <= give_up_s:
        seconds = [_timed(model, batch, optim_wrapper) for _ in range(max(1, steps))]
    return StepCost(statistics.median(seconds), peak.peak_mib())


def _timed(model, batch, optim_wrapper) -> float:
    """Wall seconds of one ``train_step`` (CUDA synchronised)."""
    from .measure import _synchronize
    _synchronize()
    start = time.perf_counter()
    model.train_step(batch, optim_wrapper)
    _synchronize()
    return time.perf_counter() - start
