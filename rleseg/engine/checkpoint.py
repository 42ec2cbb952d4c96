"""Checkpoints that load with ``torch.load(weights_only=True)``.

mmengine 0.10.7 pickles its message-hub ``HistoryBuffer`` objects (whose statistics
methods pickle as ``builtins.getattr``) and numpy scalars into every checkpoint, and
torch >= 2.6 refuses them by default. rleseg therefore controls both ends:

* **Writing** (:class:`SafeCheckpointHook`): before a checkpoint is saved, the
  message-hub buffers are replaced by :class:`SafeHistoryBuffer` (a subclass that
  pickles as its constructor arguments, plain lists) and numpy values in ``meta`` and
  ``message_hub`` become Python numbers and lists.
* **Reading** (:func:`load_checkpoint_safely`, registered as mmengine's loader for
  local paths): ``torch.load(weights_only=True)`` with :data:`SAFE_GLOBALS` allowed,
  nothing else. A checkpoint that needs any other global is refused with one line that
  names the global; a user who trusts a file opts in per file with
  :func:`trust_checkpoint` (``--trust-checkpoint PATH`` in ``tools/train.py`` and
  ``tools/test.py``).
* **No downloads**: URL-like checkpoint schemes (``open-mmlab://``, ``http://``, ...)
  are replaced by a loader that refuses with a clear message.
"""
from __future__ import annotations

import os.path as osp
import pickle
import re
from typing import Any

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.logging import HistoryBuffer
from mmengine.runner import CheckpointLoader
from mmseg.registry import HOOKS

__all__ = [
    'SAFE_GLOBALS', 'SafeCheckpointHook', 'SafeHistoryBuffer', 'UnsafeCheckpointError',
    'load_checkpoint_safely', 'make_checkpoint_safe', 'trust_checkpoint'
]

REMOTE_PREFIXES = ('http://', 'https://', 'open-mmlab://', 'openmmlab://',
                   'torchvision://', 'modelzoo://', 'mmcls://', 'mmpretrain://',
                   'pavi://', 's3://')

_trusted_paths: set[str] = set()


class UnsafeCheckpointError(RuntimeError):
    """A checkpoint needs a global outside the allow-list and was not trusted."""


class SafeHistoryBuffer(HistoryBuffer):
    """A :class:`HistoryBuffer` that pickles as plain lists.

    ``HistoryBuffer`` keeps numpy arrays and a dict of bound methods in its state, so
    its default pickle needs ``numpy`` reconstructors and ``builtins.getattr``. This
    subclass reduces to ``SafeHistoryBuffer(log_history, count_history, max_length)``
    with Python lists, which ``weights_only=True`` unpickling accepts once the class
    itself is allowed. It is a subclass, so ``MessageHub.load_state_dict`` resumes it.
    """

    @classmethod
    def from_buffer(cls, buffer: HistoryBuffer) -> 'SafeHistoryBuffer':
        log_history, count_history = buffer.data
        return cls(log_history.tolist(), count_history.tolist(), buffer.max_length)

    def __reduce__(self) -> tuple:
        log_history, count_history = self.data
        return (SafeHistoryBuffer,
                (log_history.tolist(), count_history.tolist(), self.max_length))


#: The only non-builtin globals an rleseg checkpoint may contain.
SAFE_GLOBALS: list[type] = [SafeHistoryBuffer]


def _to_python(obj: Any) -> Any:
    """Recursively turn numpy values into Python ones and buffers into safe ones."""
    if isinstance(obj, HistoryBuffer):
        return SafeHistoryBuffer.from_buffer(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, dict):
        return type(obj)((k, _to_python(v)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to_python(v) for v in obj)
    return obj


def make_checkpoint_safe(checkpoint: dict) -> dict:
    """Rewrite ``meta`` and ``message_hub`` of ``checkpoint`` in place (see module doc).

    Model and optimizer state hold tensors and plain containers already and are left
    alone.
    """
    for key in ('meta', 'message_hub'):
        if key in checkpoint:
            checkpoint[key] = _to_python(checkpoint[key])
    return checkpoint


@HOOKS.register_module()
class SafeCheckpointHook(Hook):
    """Make every checkpoint the runner writes loadable with ``weights_only=True``.

    ``configs/_base_/default_runtime.py`` adds it to ``custom_hooks``; priority
    ``VERY_LOW`` runs it after every other hook has added its state.
    """

    priority = 'VERY_LOW'

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        make_checkpoint_safe(checkpoint)


def trust_checkpoint(path: str) -> None:
    """Allow the checkpoint at ``path`` to be unpickled without restrictions.

    Only for files the user trusts (for example old mmengine checkpoints): unpickling
    an untrusted file can execute arbitrary code.
    """
    _trusted_paths.add(osp.realpath(osp.expanduser(path)))


# torch: "Unsupported global: GLOBAL mmengine.logging.history_buffer.HistoryBuffer ..."
_GLOBAL_RE = re.compile(r'(?:Unsupported global: )?GLOBAL ([\w.]+)')


def _unsafe_global_name(error: Exception) -> str:
    match = _GLOBAL_RE.search(str(error))
    return match.group(1) if match else 'an unsupported pickle instruction'


def load_checkpoint_safely(filename: str, map_location: Any = None) -> Any:
    """Load a local checkpoint with ``weights_only=True`` and :data:`SAFE_GLOBALS`.

    Raises:
        FileNotFoundError: ``filename`` does not exist.
        UnsafeCheckpointError: the file needs a global outside the allow-list and was
            not passed to :func:`trust_checkpoint`. Nothing from the file is executed.
    """
    path = osp.realpath(osp.expanduser(filename))
    if not osp.isfile(path):
        raise FileNotFoundError(f'checkpoint {filename} does not exist')
    trusted = path in _trusted_paths
    with torch.serialization.safe_globals(SAFE_GLOBALS):
        try:
            return torch.load(path, map_location=map_location, weights_only=not trusted)
        except pickle.UnpicklingError as error:
            name = _unsafe_global_name(error)
            raise UnsafeCheckpointError(
                f'refusing to load checkpoint {filename}: it needs the unsafe global '
                f'`{name}`; if you trust this file, pass --trust-checkpoint {filename}'
            ) from None


def refuse_remote_checkpoint(filename: str, map_location: Any = None) -> Any:
    """Loader for URL-like schemes: rleseg never downloads weights."""
    raise ValueError(
        f'rleseg does not download checkpoints ({filename}); download the file '
        'yourself and point load_from / init_cfg.checkpoint at the local path')


CheckpointLoader.register_scheme(prefixes='', loader=load_checkpoint_safely, force=True)
CheckpointLoader.register_scheme(
    prefixes=REMOTE_PREFIXES, loader=refuse_remote_checkpoint, force=True)
