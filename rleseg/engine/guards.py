"""Run-time guards: stop a run in one line instead of finishing with a wrong number.

* :class:`NonFiniteLossHook`: a NaN / inf training loss stops training at that
  iteration (before a checkpoint of it is written); :func:`~rleseg.engine.load_config`
  adds it to every config's ``custom_hooks``.
* :class:`CheckedPretrainedInit` (registered as mmengine's ``'Pretrained'``
  initialiser, so every ``init_cfg=dict(type='Pretrained', ...)`` and mmseg's
  ``pretrained=...`` use it): the checkpoint must provide every parameter of the
  module with the right shape, else one line naming the option. mmengine only logs a
  warning and leaves the unmatched parameters at their random initial values.
"""
from __future__ import annotations

import math
import re
from typing import Mapping, Optional

import torch
from mmengine.hooks import Hook
from mmengine.model.weight_init import PretrainedInit, update_init_info
from mmengine.registry import WEIGHT_INITIALIZERS
from mmengine.runner.checkpoint import (_load_checkpoint, _load_checkpoint_with_prefix,
                                        load_state_dict)
from mmseg.registry import HOOKS

from .checkpoint import CheckpointError

__all__ = ['CheckedPretrainedInit', 'NonFiniteLossError', 'NonFiniteLossHook',
           'check_state_fits']


class NonFiniteLossError(RuntimeError):
    """Training produced a NaN or infinite loss."""


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Raise :class:`NonFiniteLossError` when a logged loss is NaN or infinite.

    Runs first after every training iteration (priority ``VERY_HIGH``), so the
    checkpoint hook never saves the broken state. Checks every output whose name
    contains ``'loss'`` (mmengine's parsed ``log_vars``: scalars or 0-d tensors).
    """

    priority = 'VERY_HIGH'

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs: Optional[Mapping] = None) -> None:
        for name, value in (outputs or {}).items():
            if 'loss' not in name:
                continue
            number = float(value.detach().float().mean()) if torch.is_tensor(value) \
                else float(value)
            if not math.isfinite(number):
                raise NonFiniteLossError(
                    f'training {name} is {number} at iteration {runner.iter + 1}; '
                    'stopped (no checkpoint of this iteration is written): lower the '
                    'learning rate, check the data, or resume from an earlier checkpoint')


def check_state_fits(module: torch.nn.Module, state_dict: Mapping, checkpoint: str,
                     option: str) -> None:
    """Raise CheckpointError unless ``state_dict`` has every parameter of ``module``
    with its shape (extra keys, e.g. a classifier, are fine).

    Args:
        option: the config option that named the checkpoint, for the message.
    """
    params = dict(module.named_parameters())
    missing = [k for k in params if k not in state_dict]
    other = [k for k in params if k in state_dict
             and tuple(state_dict[k].shape) != tuple(params[k].shape)]
    if not missing and not other:
        return
    parts = []
    if missing:
        parts.append(f'{len(missing)} of {len(params)} parameters missing '
                     f'(first: {missing[0]})')
    if other:
        k = other[0]
        parts.append(f'{len(other)} with another shape (first: {k} '
                     f'{tuple(state_dict[k].shape)} vs {tuple(params[k].shape)})')
    raise CheckpointError(
        f'{option}: checkpoint {checkpoint} does not fit {type(module).__name__}: '
        f'{"; ".join(parts)}; use weights made for this architecture, or set '
        f'init_cfg.prefix to the sub-module they come from')


@WEIGHT_INITIALIZERS.register_module(name='Pretrained', force=True)
class CheckedPretrainedInit(PretrainedInit):
    """mmengine's ``PretrainedInit`` that refuses a checkpoint that does not fit.

    Same arguments (``checkpoint``, ``prefix``, ``map_location``); the file is loaded
    through the registered checkpoint loaders (local, or downloaded and cached for
    ``open-mmlab://`` / ``torchvision://`` / ``http(s)://``; always
    ``weights_only=True``).
    """

    def __call__(self, module: torch.nn.Module) -> None:
        option = f"init_cfg=dict(type='Pretrained', checkpoint='{self.checkpoint}'" + \
            (f", prefix='{self.prefix}')" if self.prefix else ')') + \
            f' of {type(module).__name__}'
        if self.prefix is None:
            checkpoint = _load_checkpoint(self.checkpoint, map_location=self.map_location)
            state = checkpoint.get('state_dict', checkpoint) \
                if isinstance(checkpoint, dict) else None
            if not isinstance(state, dict):
                raise CheckpointError(f'{option}: checkpoint {self.checkpoint} holds no '
                                      'state dict')
            state = {re.sub(r'^module\.', '', k): v for k, v in state.items()}
        else:
            try:
                state = _load_checkpoint_with_prefix(self.prefix, self.checkpoint,
                                                     map_location=self.map_location)
            except AssertionError:
                raise CheckpointError(f'{option}: checkpoint {self.checkpoint} has no key '
                                      f'starting with {self.prefix!r}') from None
        check_state_fits(module, state, self.checkpoint, option)
        load_state_dict(module, state, strict=False, logger='current')
        if hasattr(module, '_params_init_info'):
            update_init_info(module, init_info=self._get_init_info())
