"""Checkpoints that are never lost, and loads that fit or fail.

* :class:`AtomicCheckpointHook` (registered in mmseg's HOOKS also under mmengine's
  name ``CheckpointHook``, so every config's ``default_hooks.checkpoint`` uses it):
  mmengine's hook removes the oldest checkpoint *before* writing the new one and
  writes in place, so a failed, interrupted or killed save (disk full, file-size
  limit, SIGTERM) can leave no loadable checkpoint and a ``last_checkpoint`` naming a
  deleted file. Here a checkpoint is written to ``.<name>.tmp`` in the same folder,
  flushed to disk, renamed into place, then ``last_checkpoint`` is replaced the same
  way, and only then is the checkpoint beyond ``max_keep_ckpts`` removed. Its options
  are checked when the hook is built (before training): a misspelt key such as
  ``max_keep_ckpt`` is a one-line :class:`~rleseg.engine.ConfigError`, not a
  ``TypeError`` at the first save. Local folders only (no ``backend_args``). The
  ``save_best`` checkpoint keeps mmengine's behaviour (rleseg configs do not use it).
* :class:`StrictLoadHook` (added by ``tools/test.py`` / ``tools/token_accuracy.py``
  unless ``--partial-load``): a checkpoint must fit the model exactly; the first
  missing, unexpected or differently shaped key is named in one line instead of
  mmengine's warning and a partly random model being scored.
"""
from __future__ import annotations

import difflib
import glob
import inspect
import os
import os.path as osp
import re
from typing import Mapping

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook, Hook
from mmengine.model import BaseTTAModel, is_model_wrapper
from mmseg.registry import HOOKS

from .checkpoint import CheckpointError, CheckpointMismatchError
from .tool_errors import ConfigError

__all__ = ['AtomicCheckpointHook', 'StrictLoadHook', 'check_checkpoint_fits',
           'replace_atomically']

#: The options of mmengine's ``CheckpointHook`` (its ``**kwargs`` would reach
#: ``Runner.save_checkpoint`` only at the first save).
HOOK_OPTIONS = tuple(p for p in inspect.signature(CheckpointHook.__init__).parameters
                     if p not in ('self', 'kwargs'))
TMP_SUFFIX = '.tmp'


def replace_atomically(tmp: str, path: str) -> None:
    """Flush ``tmp`` to disk and rename it to ``path`` (atomic on one file system);
    the folder entry is flushed too, so a crash leaves the old or the new file."""
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    fd = os.open(osp.dirname(osp.abspath(path)), os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _read_text(path: str) -> str:
    """The stripped text of ``path``, ``''`` when it does not exist."""
    if not osp.isfile(path):
        return ''
    with open(path, encoding='utf-8') as file:
        return file.read().strip()


def _remove(path: str) -> None:
    if osp.isfile(path):
        os.remove(path)


@HOOKS.register_module(name='CheckpointHook')
@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """mmengine's ``CheckpointHook`` with atomic saves and checked options.

    Same arguments as mmengine's hook (see the module doc for what differs).

    Raises:
        ConfigError: an unknown option (the message names
            ``default_hooks.checkpoint.<key>`` and the closest option), a
            ``max_keep_ckpts`` / ``interval`` that is not an integer, or
            ``backend_args`` / ``file_client_args`` (remote storage).
    """

    def __init__(self, **kwargs) -> None:
        for key in kwargs:
            if key not in HOOK_OPTIONS:
                close = difflib.get_close_matches(key, HOOK_OPTIONS, n=1)
                hint = f' (did you mean {close[0]}?)' if close else ''
                raise ConfigError(f'default_hooks.checkpoint.{key} is not an option of '
                                  f'CheckpointHook{hint}; options: {", ".join(HOOK_OPTIONS)}')
        for key in ('interval', 'max_keep_ckpts', 'save_begin'):
            value = kwargs.get(key, 0)
            if not isinstance(value, int) or isinstance(value, bool):
                raise ConfigError(f'default_hooks.checkpoint.{key} must be an integer, got '
                                  f'{value!r}')
        for key in ('backend_args', 'file_client_args'):
            if kwargs.get(key) is not None:
                raise ConfigError(f'default_hooks.checkpoint.{key}: rleseg writes checkpoints '
                                  'atomically to a local folder only; remove the option')
        super().__init__(**kwargs)

    def before_train(self, runner) -> None:
        super().before_train(runner)
        if is_main_process():        # a save killed half-way leaves only its temp file
            pattern = f'.{self.filename_tmpl.format("*")}{TMP_SUFFIX}'
            for stale in glob.glob(osp.join(glob.escape(self.out_dir), pattern)):
                os.remove(stale)

    def _save_checkpoint_with_step(self, runner, step, meta) -> None:
        """Write checkpoint ``step`` atomically; then update ``last_checkpoint``; then
        remove the checkpoint that falls out of ``max_keep_ckpts``."""
        keep_before = list(getattr(self, 'keep_ckpt_ids', ()))
        last_before = self.last_ckpt
        dropped = []
        if self.max_keep_ckpts > 0 and not (keep_before and keep_before[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                dropped.append(self.keep_ckpt_ids.popleft())
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids', list(self.keep_ckpt_ids))
        filename = self.filename_tmpl.format(step)
        self.last_ckpt = osp.join(self.out_dir, filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        tmp = osp.join(self.out_dir, f'.{filename}{TMP_SUFFIX}')
        try:
            runner.save_checkpoint(self.out_dir, osp.basename(tmp),
                                   save_optimizer=self.save_optimizer,
                                   save_param_scheduler=self.save_param_scheduler,
                                   meta=meta, by_epoch=self.by_epoch)
            if is_main_process():
                replace_atomically(tmp, self.last_ckpt)
                last_file = osp.join(runner.work_dir, 'last_checkpoint')
                with open(last_file + TMP_SUFFIX, 'w', encoding='utf-8') as file:
                    file.write(self.last_ckpt)
                replace_atomically(last_file + TMP_SUFFIX, last_file)
        except BaseException as error:
            target = self.last_ckpt
            self._undo(runner, keep_before, last_before)
            if is_main_process():
                _remove(tmp)
            if isinstance(error, OSError):
                previous = last_before or _read_text(osp.join(runner.work_dir,
                                                              'last_checkpoint'))
                kept = (f'the previous checkpoint {previous} is kept and '
                        'last_checkpoint still names it' if previous else
                        'no earlier checkpoint exists')
                raise CheckpointError(f'could not write checkpoint {target} '
                                      f'({error.strerror or error}); {kept}') from None
            raise
        if is_main_process():
            for old in dropped:
                _remove(osp.join(self.out_dir, self.filename_tmpl.format(old)))

    def _undo(self, runner, keep: list, last) -> None:
        """Restore the bookkeeping of the last successful save."""
        if self.max_keep_ckpts > 0:
            self.keep_ckpt_ids.clear()
            self.keep_ckpt_ids.extend(keep)
            runner.message_hub.update_info('keep_ckpt_ids', list(keep))
        self.last_ckpt = last
        if last is not None:
            runner.message_hub.update_info('last_ckpt', last)


def check_checkpoint_fits(model_state: Mapping, checkpoint_state: Mapping,
                          checkpoint: str) -> None:
    """Raise unless ``checkpoint_state`` has exactly the keys and shapes of
    ``model_state`` (a ``module.`` prefix of DDP checkpoints is ignored).

    Raises:
        CheckpointMismatchError: one line naming the first missing, unexpected or
            differently shaped key and how many there are.
    """
    state = {re.sub(r'^module\.', '', k): v for k, v in checkpoint_state.items()}
    missing = [k for k in model_state if k not in state]
    unexpected = [k for k in state if k not in model_state]
    reshaped = [k for k in model_state if k in state and hasattr(state[k], 'shape')
                and tuple(state[k].shape) != tuple(model_state[k].shape)]
    parts = []
    if missing:
        parts.append(f'{len(missing)} of {len(model_state)} model keys missing (first: '
                     f'{missing[0]})')
    if unexpected:
        parts.append(f'{len(unexpected)} keys the model does not have (first: '
                     f'{unexpected[0]})')
    if reshaped:
        k = reshaped[0]
        parts.append(f'{len(reshaped)} with another shape (first: {k} '
                     f'{tuple(state[k].shape)} in the checkpoint, '
                     f'{tuple(model_state[k].shape)} in the model)')
    if parts:
        raise CheckpointMismatchError(
            f'checkpoint {checkpoint} does not fit this config\'s model: '
            f'{"; ".join(parts)}; use the config it was trained with, or pass '
            '--partial-load to load only what fits')


@HOOKS.register_module()
class StrictLoadHook(Hook):
    """Refuse a loaded checkpoint that does not fit the model exactly.

    Runs in ``after_load_checkpoint``, i.e. before the weights are copied into the
    model (priority ``LOW``: after :class:`~rleseg.models.VocabLayoutHook`, whose
    message names a tokenizer mismatch more precisely).

    Args:
        checkpoint: the checkpoint's path, for the message.
    """

    priority = 'LOW'

    def __init__(self, checkpoint: str = 'loaded') -> None:
        self.checkpoint = checkpoint

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        model = runner.model
        if is_model_wrapper(model) or isinstance(model, BaseTTAModel):
            model = model.module
        state = checkpoint.get('state_dict', checkpoint)
        if not isinstance(state, Mapping):
            raise CheckpointError(f'checkpoint {self.checkpoint} holds no state dict')
        check_checkpoint_fits(model.state_dict(), state, self.checkpoint)
