"""Checks of a config that need no training, run before it starts.

Each raises a one-line :class:`~rleseg.engine.ConfigError` naming the file, key or
option:

* :func:`read_config`: a Python syntax error in a config file names that file and
  line (mmengine reports ``File "<unknown>"``). Config files are Python and run when
  they are loaded: trust a config as you trust code.
* :func:`check_work_dir`: the work dir is a file or is not writable (read-only
  folder or file system).
* :func:`check_test_cfg`: ``model.test_cfg`` keys the segmentor does not read (a typo
  such as ``modee`` would be ignored) and an unknown ``mode``.
* :class:`ClassCountHook` (added to every run by :func:`~rleseg.engine.load_config`):
  every ``num_classes`` of the model (decode / auxiliary heads, the tokenizer) equals
  the number of class names of each dataset the run uses, checked before the first
  training or test iteration.
"""
from __future__ import annotations

import ast
import difflib
import os
import os.path as osp
import tempfile
from typing import Iterator, Optional

from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.model import BaseTTAModel, is_model_wrapper
from mmseg.registry import HOOKS

from .tool_errors import ConfigError

__all__ = ['ClassCountHook', 'check_test_cfg', 'check_work_dir', 'model_class_counts',
           'read_config']

#: ``model.test_cfg`` keys mmseg's ``EncoderDecoder`` reads, and its modes.
MMSEG_TEST_CFG_KEYS = ('mode', 'crop_size', 'stride')
TEST_MODES = ('whole', 'slide')

def read_config(path: str) -> Config:
    """``Config.fromfile(path)``; a syntax error in it or in a base file becomes a
    ConfigError naming that file and line (mmengine's says ``<unknown>``)."""
    try:
        return Config.fromfile(path)
    except SyntaxError as error:
        found = _syntax_error_in(path) or error
        raise ConfigError(f'config {found.filename or path} line {found.lineno}: '
                          f'{found.msg} (config files are Python; fix the syntax)') from None


def _syntax_error_in(path: str) -> Optional[SyntaxError]:
    """The first syntax error of the Python config ``path`` or of its bases."""
    with open(path, encoding='utf-8') as file:
        source = file.read()
    try:
        ast.parse(source, filename=path)
    except SyntaxError as error:
        return error
    for base in Config._get_base_files(path):
        base_path, _ = Config._get_cfg_path(base, path)
        if base_path.endswith('.py') and osp.isfile(base_path):
            found = _syntax_error_in(base_path)
            if found is not None:
                return found
    return None


def check_work_dir(work_dir: str) -> None:
    """Check that ``work_dir`` (or, when it does not exist yet, its nearest existing
    parent folder, where the runner will create it) is a writable folder; creates
    nothing.

    Raises:
        ConfigError: it (or a parent) is a file, or it is not writable.
    """
    folder = osp.abspath(work_dir)
    while not osp.exists(folder) and osp.dirname(folder) != folder:
        folder = osp.dirname(folder)
    if not osp.isdir(folder):
        what = 'is a file' if folder == osp.abspath(work_dir) else f'is under the file {folder}'
        raise ConfigError(f'work dir {work_dir} {what}, not a folder; pass another '
                          '--work-dir')
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise ConfigError(f'work dir {work_dir} is not writable ({folder}: '
                          f'{error.strerror or error}); pass another --work-dir') from None


def _test_cfg_keys(model_cfg) -> tuple[str, ...] | None:
    """Keys ``model_cfg``'s segmentor reads from ``test_cfg`` (None: not known)."""
    from mmseg.models import EncoderDecoder
    from mmseg.registry import MODELS

    from rleseg.models.segmentor import DEFAULT_TEST_CFG, Pix2SeqSegmentor
    model_type = model_cfg.get('type')
    cls = MODELS.get(model_type) if isinstance(model_type, str) else model_type
    if isinstance(cls, type) and issubclass(cls, Pix2SeqSegmentor):
        return tuple(DEFAULT_TEST_CFG)
    if isinstance(cls, type) and issubclass(cls, EncoderDecoder):
        return MMSEG_TEST_CFG_KEYS + getattr(cls, 'EXTRA_TEST_CFG_KEYS', ())
    return None


def check_test_cfg(cfg: Config) -> None:
    """Refuse ``model.test_cfg`` keys the segmentor does not read, and a ``mode``
    other than ``'whole'`` / ``'slide'`` (``model.module`` for a TTA config).

    Raises:
        ConfigError: naming ``model.test_cfg.<key>``.
    """
    model = cfg.get('model') or {}
    prefix = 'model'
    if 'module' in model and isinstance(model['module'], dict):
        model, prefix = model['module'], 'model.module'
    test_cfg = model.get('test_cfg') or {}
    known = _test_cfg_keys(model)
    if known is None:
        return
    for key in test_cfg:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f' (did you mean {close[0]}?)' if close else ''
            raise ConfigError(f'{prefix}.test_cfg.{key} is not read by {model.get("type")}'
                              f'{hint}; keys: {", ".join(known)}')
    mode = test_cfg.get('mode', 'whole')
    if mode not in TEST_MODES:
        raise ConfigError(f'{prefix}.test_cfg.mode={mode!r} must be one of {TEST_MODES}')


def model_class_counts(model) -> Iterator[tuple[str, int]]:
    """``(where, num_classes)`` of every head / tokenizer of ``model`` that states one."""
    if is_model_wrapper(model) or isinstance(model, BaseTTAModel):
        model = model.module
    if hasattr(model, 'class_counts'):          # a model that counts its own classes
        yield from model.class_counts()
        return
    tokenizer = getattr(model, 'tokenizer', None)
    if isinstance(getattr(tokenizer, 'num_classes', None), int):
        yield 'model.tokenizer.num_classes', tokenizer.num_classes
    for name, module in model.named_modules():
        count = getattr(module, 'num_classes', None)
        if name and isinstance(count, int) and not isinstance(count, bool):
            yield f'model.{name}.num_classes', count


@HOOKS.register_module()
class ClassCountHook(Hook):
    """Refuse a run whose model and datasets disagree on the number of classes.

    ``num_classes = 4`` with three class names would otherwise train, then fail at
    test for some paradigms and be scored with a phantom class for others.
    """

    priority = 'VERY_HIGH'

    def _check(self, runner, loaders: tuple[str, ...]) -> None:
        counts = list(model_class_counts(runner.model))
        if not counts:
            return
        for loader in loaders:
            dataset = getattr(runner, loader).dataset
            classes = (getattr(dataset, 'metainfo', None) or {}).get('classes')
            if not classes:
                continue
            for where, count in counts:
                if count != len(classes):
                    raise ConfigError(
                        f'{where} = {count} but {loader}.dataset has {len(classes)} class '
                        f'names {tuple(classes)}; set num_classes and the class names '
                        'together')

    def before_train(self, runner) -> None:
        loaders = ('train_dataloader',) + (
            ('val_dataloader',) if runner.val_loop is not None else ())
        self._check(runner, loaders)

    def before_test(self, runner) -> None:
        self._check(runner, ('test_dataloader',))
