"""Exact resume: the torch random state travels with every checkpoint.

mmengine restores weights, optimiser, schedulers and the iteration on ``--resume`` and
replays the data loader up to that iteration, which brings the data pipeline's numpy
random state back to where it was. The torch random state is not restored: a model
that draws from it while training (dropout, drop-path, random sampling in a loss)
continues from a freshly seeded state and leaves the uninterrupted trajectory at the
first step after the resume. :class:`ResumeRandomStateHook` stores the torch (and
CUDA) states in the checkpoint's ``meta`` and puts them back right before the first
resumed iteration, after the data loader replay; the tensors are plain ``uint8``
tensors, loadable with ``weights_only=True``.
"""
from __future__ import annotations

from typing import Optional

import torch
from mmengine.hooks import Hook
from mmseg.registry import HOOKS

STATE_KEY = 'torch_rng_state'


@HOOKS.register_module()
class ResumeRandomStateHook(Hook):
    """Save the torch random state in checkpoints; restore it on resume (see module)."""

    priority = 'VERY_HIGH'

    def __init__(self) -> None:
        self._pending: Optional[dict] = None

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        state = dict(cpu=torch.get_rng_state())
        if torch.cuda.is_available():
            state['cuda'] = torch.cuda.get_rng_state_all()
        checkpoint.setdefault('meta', {})[STATE_KEY] = state

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        self._pending = (checkpoint.get('meta') or {}).get(STATE_KEY)

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        if self._pending is None:
            return
        torch.set_rng_state(self._pending['cpu'])
        if torch.cuda.is_available() and self._pending.get('cuda'):
            torch.cuda.set_rng_state_all(self._pending['cuda'])
        self._pending = None
