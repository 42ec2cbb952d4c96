"""Checkpoints that load with ``torch.load(weights_only=True)``, intact, or not at all.

mmengine 0.10.7 pickles its message-hub ``HistoryBuffer`` objects (whose statistics
methods pickle as ``builtins.getattr``) and numpy scalars into every checkpoint, and
torch >= 2.6 refuses them by default. rleseg therefore controls both ends:

* **Writing** (:class:`SafeCheckpointHook`): before a checkpoint is saved, the
  message-hub buffers are replaced by :class:`SafeHistoryBuffer` (a subclass that
  pickles as its constructor arguments, plain lists) and numpy values in ``meta`` and
  ``message_hub`` become Python numbers and lists.
* **Reading** (:func:`load_checkpoint_safely`, registered as mmengine's loader for
  local paths): first :func:`verify_checkpoint_file` (a torch zip checkpoint's CRC-32
  of every record: bytes changed after writing, truncation, an empty or a text file
  are refused in one line naming the file), then ``torch.load(weights_only=True)``
  with :data:`SAFE_GLOBALS` allowed, nothing else. A checkpoint that needs any other
  global is refused with one line that names the global; a user who trusts a file
  opts in per file with :func:`trust_checkpoint` (``--trust-checkpoint PATH`` in
  ``tools/train.py`` and ``tools/test.py``).
* **Downloads** (``http(s)://``, ``open-mmlab://``, ``torchvision://``): the name is
  resolved with mmengine's model-zoo tables, the file is downloaded once into the
  cache mmengine uses (torch hub's ``<hub dir>/checkpoints``; an ``-<sha256 prefix>``
  in the file name is verified), and then loaded like a local file above: a
  downloaded pickle never runs code. Other remote schemes are refused.
"""
from __future__ import annotations

import os
import os.path as osp
import pickle
import re
import struct
import zipfile
import zlib
from typing import Any
from urllib.parse import urlparse

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.logging import HistoryBuffer
from mmengine.runner import CheckpointLoader
from mmseg.registry import HOOKS

__all__ = [
    'SAFE_GLOBALS', 'CheckpointError', 'CheckpointMismatchError', 'SafeCheckpointHook',
    'SafeHistoryBuffer', 'UnsafeCheckpointError', 'download_checkpoint', 'load_checkpoint_safely',
    'load_remote_checkpoint', 'make_checkpoint_safe', 'resolve_checkpoint_url',
    'trust_checkpoint', 'verify_checkpoint_file'
]

#: Schemes downloaded by :func:`load_remote_checkpoint`.
DOWNLOAD_PREFIXES = ('http://', 'https://', 'open-mmlab://', 'openmmlab://',
                     'torchvision://')
#: Schemes mmengine knows that rleseg refuses.
REFUSED_PREFIXES = ('modelzoo://', 'mmcls://', 'mmpretrain://', 'pavi://', 's3://')

_trusted_paths: set[str] = set()


class CheckpointError(RuntimeError):
    """A checkpoint file is damaged, not a checkpoint, or does not fit its use.

    The message is one line that names the file and says what to do.
    """


class CheckpointMismatchError(CheckpointError):
    """A checkpoint does not fit the model it is loaded into (keys or shapes)."""


class UnsafeCheckpointError(CheckpointError):
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


def verify_checkpoint_file(filename: str) -> str:
    """Check that ``filename`` is an intact checkpoint file; return its real path.

    A torch zip checkpoint (torch >= 1.6) records a CRC-32 of every record; all are
    recomputed (zlib's speed, ~1 GB/s), so bytes overwritten in place, a truncated
    copy or a half-written download are refused. Legacy (pre-zip) torch files carry
    no checksum and pass if they start like a pickle. Records whose CRC is 0 (torch's
    ``compute_crc32=False``) are not verifiable and are skipped.

    Raises:
        FileNotFoundError: nothing at ``filename``.
        CheckpointError: a directory, an empty file, a damaged / truncated zip, or a
            file that is not a torch checkpoint (a text file, ...).
    """
    path = osp.realpath(osp.expanduser(filename))
    if not osp.exists(path):
        raise FileNotFoundError(f'checkpoint {filename} does not exist')
    if not osp.isfile(path):
        raise CheckpointError(f'checkpoint {filename} is a directory, not a file')
    if osp.getsize(path) == 0:
        raise CheckpointError(f'checkpoint {filename} is empty (0 bytes); re-create or '
                              're-download it')
    with open(path, 'rb') as f:
        head = f.read(4)
    if head[:2] == b'PK':
        _verify_zip(path, filename)
    elif head[:1] != b'\x80':          # a pickle (legacy torch.save) starts with PROTO
        raise CheckpointError(f'checkpoint {filename} is not a PyTorch checkpoint '
                              f'(it starts with {head!r}); pass a .pth written by '
                              'torch.save / tools/train.py')
    return path


def _verify_zip(path: str, filename: str) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.CRC == 0 and info.file_size:
                    continue                       # written without CRCs
                with archive.open(info) as record:
                    while record.read(1 << 22):
                        pass
    except zipfile.BadZipFile as exc:
        damage = ('bytes changed after it was written' if 'CRC' in str(exc) else
                  'truncated or not a complete zip archive')
        raise CheckpointError(f'checkpoint {filename} is damaged ({damage}: {exc}); '
                              're-create or re-download it') from None
    except (OSError, EOFError, zlib.error, ValueError, KeyError, NotImplementedError,
            struct.error) as exc:                 # a broken header decodes as anything
        raise CheckpointError(f'checkpoint {filename} is damaged ({type(exc).__name__}: '
                              f'{_first_line(exc)}); re-create or re-download it') from None


def load_checkpoint_safely(filename: str, map_location: Any = None) -> Any:
    """Load a local checkpoint with ``weights_only=True`` and :data:`SAFE_GLOBALS`.

    Raises:
        FileNotFoundError: ``filename`` does not exist.
        CheckpointError: see :func:`verify_checkpoint_file`, or torch cannot read it.
        UnsafeCheckpointError: the file needs a global outside the allow-list and was
            not passed to :func:`trust_checkpoint`. Nothing from the file is executed.
    """
    path = verify_checkpoint_file(filename)
    trusted = path in _trusted_paths
    with torch.serialization.safe_globals(SAFE_GLOBALS):
        try:
            return torch.load(path, map_location=map_location, weights_only=not trusted)
        except pickle.UnpicklingError as error:
            if not (_GLOBAL_RE.search(str(error)) or 'Weights only' in str(error)):
                raise CheckpointError(
                    f'checkpoint {filename} could not be unpickled '
                    f'({_first_line(error)})') from None
            name = _unsafe_global_name(error)
            raise UnsafeCheckpointError(
                f'refusing to load checkpoint {filename}: it needs the unsafe global '
                f'`{name}`; if you trust this file, pass --trust-checkpoint {filename}'
            ) from None
        except (RuntimeError, EOFError, KeyError, ValueError, OSError) as error:
            raise CheckpointError(f'checkpoint {filename} could not be read '
                                  f'({type(error).__name__}: {_first_line(error)}); '
                                  're-create or re-download it') from None


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


# ---------------------------------------------------------------------- downloads
def _torchvision_urls() -> dict[str, str]:
    """torchvision model name -> URL, from mmengine (its table when torchvision is
    not installed)."""
    try:
        from mmengine.runner.checkpoint import get_torchvision_models
        return dict(get_torchvision_models())
    except ImportError:
        import mmengine
        from mmengine.fileio import load
        return dict(load(osp.join(mmengine.__path__[0], 'hub', 'torchvision_0.12.json')))


def resolve_checkpoint_url(filename: str) -> str:
    """``open-mmlab://NAME`` / ``torchvision://NAME`` -> the URL mmengine lists;
    ``http(s)://`` URLs unchanged.

    Raises:
        CheckpointError: a name mmengine does not list.
    """
    from mmengine.runner.checkpoint import get_deprecated_model_names, get_external_models
    scheme, _, name = filename.partition('://')
    if scheme in ('http', 'https'):
        return filename
    if scheme in ('open-mmlab', 'openmmlab'):
        name = get_deprecated_model_names().get(name, name)
        urls = get_external_models()
    elif scheme == 'torchvision':
        urls = _torchvision_urls()
    else:
        raise CheckpointError(f'checkpoint {filename}: unsupported scheme {scheme}://')
    if name not in urls:
        raise CheckpointError(f'checkpoint {filename}: mmengine lists no {scheme}:// model '
                              f'named {name!r}')
    return urls[name]


def checkpoint_cache_dir() -> str:
    """Where downloads are kept: ``<torch hub dir>/checkpoints``, the cache mmengine's
    ``load_from_http`` (torch's ``load_url``) uses; ``$TORCH_HOME`` moves it."""
    return osp.join(torch.hub.get_dir(), 'checkpoints')


_HASH_RE = re.compile(r'-([a-f0-9]{8,})\.')


def download_checkpoint(url: str) -> str:
    """Download ``url`` into :func:`checkpoint_cache_dir` once; return the local path.

    Rank 0 downloads while other ranks wait (as mmengine does). A file name with a
    ``-<hex>.`` part (torchvision / OpenMMLab convention) is checked against the
    SHA-256 of the content.

    Raises:
        CheckpointError: the download failed or its hash does not match.
    """
    from mmengine.dist import barrier, get_dist_info
    name = osp.basename(urlparse(url).path)
    if not name:
        raise CheckpointError(f'checkpoint URL {url} names no file')
    path = osp.join(checkpoint_cache_dir(), name)
    rank, world_size = get_dist_info()
    if rank == 0 and not osp.isfile(path):
        os.makedirs(osp.dirname(path), exist_ok=True)
        match = _HASH_RE.search(name)
        try:
            torch.hub.download_url_to_file(url, path, match.group(1) if match else None,
                                           progress=False)
        except Exception as error:  # urllib / hash errors of every kind
            raise CheckpointError(f'could not download checkpoint {url} to {path} '
                                  f'({type(error).__name__}: {_first_line(error)})') \
                from None
    if world_size > 1:
        barrier()
    return path


def load_remote_checkpoint(filename: str, map_location: Any = None) -> Any:
    """mmengine loader for ``http(s)://``, ``open-mmlab://`` and ``torchvision://``:
    download (cached), then :func:`load_checkpoint_safely`."""
    return load_checkpoint_safely(download_checkpoint(resolve_checkpoint_url(filename)),
                                  map_location)


def refuse_remote_checkpoint(filename: str, map_location: Any = None) -> Any:
    """Loader for the remote schemes rleseg does not support."""
    raise CheckpointError(
        f'checkpoint {filename}: rleseg loads local files, http(s)://, open-mmlab:// and '
        'torchvision:// checkpoints only; download the file yourself and point '
        'load_from / init_cfg.checkpoint at the local path')


CheckpointLoader.register_scheme(prefixes='', loader=load_checkpoint_safely, force=True)
CheckpointLoader.register_scheme(
    prefixes=DOWNLOAD_PREFIXES, loader=load_remote_checkpoint, force=True)
CheckpointLoader.register_scheme(
    prefixes=REFUSED_PREFIXES, loader=refuse_remote_checkpoint, force=True)
