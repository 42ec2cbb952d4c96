"""Config set-up shared by ``tools/train.py``, ``tools/test.py`` and the analysis tools.

The command-line options are mmseg's (``--work-dir``, ``--resume``, ``--amp``,
``--cfg-options``, ``--launcher``, ``--out``, ``--show-dir``, ...) and mean the same
thing; rleseg adds ``--trust-checkpoint`` and ``--debug``
(:mod:`rleseg.engine.tool_errors`). The tools only parse arguments and call
these functions, so the behaviour is testable without a subprocess.
"""
from __future__ import annotations

import argparse
import os
import os.path as osp
from typing import Optional

import torch
from mmengine.config import Config, DictAction
from mmengine.logging import print_log
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from .checkpoint import trust_checkpoint
from .config_checks import check_test_cfg, check_work_dir, read_config
from .cpu_ddp import init_cpu_distributed
from .tool_errors import ConfigError

#: Hooks every run gets, whatever the config's ``custom_hooks`` list: a NaN / inf loss
#: stops training; a resumed run continues the torch random state of its checkpoint;
#: model and datasets must agree on the number of classes.
GUARD_HOOKS = ('NonFiniteLossHook', 'ResumeRandomStateHook', 'ClassCountHook')


def default_work_dir(config_path: str) -> str:
    """``./work_dirs/<config name>``, as mmseg's tools choose it."""
    return osp.join('./work_dirs', osp.splitext(osp.basename(config_path))[0])


def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options :func:`load_config` reads: ``--trust-checkpoint`` (repeatable)
    and ``--cfg-options``."""
    parser.add_argument(
        '--trust-checkpoint', action='append', default=[], metavar='PATH',
        help='allow this checkpoint to be unpickled without restrictions (only for '
        'files you trust; rleseg checkpoints never need it)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override settings of the config, key=value pairs (xxx=yyy)')


def add_launcher_arguments(parser: argparse.ArgumentParser) -> None:
    """Add mmseg's distributed options: ``--launcher`` and ``--local-rank``."""
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def parse_tool_args(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """Parse the command line of a tool built with :func:`add_launcher_arguments`;
    ``--local-rank`` becomes ``LOCAL_RANK`` unless the launcher set it (as mmseg's
    tools do)."""
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def build_runner(cfg: Config) -> Runner:
    """mmengine's ``Runner``, or the config's ``runner_type`` from ``RUNNERS``."""
    return Runner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)


def load_config(config_path: str, cfg_options: Optional[dict] = None,
                work_dir: Optional[str] = None, launcher: str = 'none',
                trusted_checkpoints: tuple[str, ...] = ()) -> Config:
    """Read a config and apply the options every tool shares.

    * ``cfg_options`` is merged last-wins, like mmseg's ``--cfg-options``;
    * ``work_dir`` wins over the config's, which wins over the default;
    * on a machine without CUDA the distributed backend becomes ``gloo``, and for
      ``--launcher pytorch`` the process group is started here and the model wrapped
      by :class:`~rleseg.engine.cpu_ddp.CPUDistributedDataParallel`, so that CPU
      processes train in parallel too;
    * every path in ``trusted_checkpoints`` may be unpickled without restrictions;
    * the :data:`GUARD_HOOKS` (a NaN / inf loss stops training, exact resume, class
      counts) are added to ``custom_hooks`` unless the config lists them;
    * the checks of :mod:`~rleseg.engine.config_checks` that need no training run
      here: config syntax, ``model.test_cfg`` keys, a writable work dir.
    """
    if not osp.isfile(config_path):
        raise FileNotFoundError(f'config file {config_path} does not exist')
    cfg = read_config(config_path)
    cfg.launcher = launcher
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = default_work_dir(config_path)
    if not torch.cuda.is_available():
        env_cfg = cfg.setdefault('env_cfg', {})
        env_cfg.setdefault('dist_cfg', {})['backend'] = 'gloo'
        if init_cpu_distributed(launcher):
            cfg.setdefault('model_wrapper_cfg', dict(type='CPUDistributedDataParallel'))
    for path in trusted_checkpoints:
        trust_checkpoint(path)
    add_guard_hooks(cfg)
    check_test_cfg(cfg)
    check_work_dir(cfg.work_dir)
    return cfg


def add_custom_hook(cfg: Config, hook: dict) -> None:
    """Append ``hook`` to ``cfg.custom_hooks``."""
    cfg.custom_hooks = list(cfg.get('custom_hooks', None) or []) + [hook]


def add_partial_load_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--partial-load`` to an evaluation tool's parser."""
    parser.add_argument(
        '--partial-load', action='store_true',
        help='load only the checkpoint weights that fit the model (default: a checkpoint '
        'that does not fit exactly is an error naming the first differing key)')


def add_guard_hooks(cfg: Config) -> Config:
    """Append each of :data:`GUARD_HOOKS` to ``cfg.custom_hooks`` unless listed."""
    hooks = list(cfg.get('custom_hooks', None) or [])
    listed = {hook.get('type') for hook in hooks}
    hooks += [dict(type=name) for name in GUARD_HOOKS if name not in listed]
    cfg.custom_hooks = hooks
    return cfg


def apply_train_options(cfg: Config, resume: Optional[str] = None,
                        amp: bool = False) -> Config:
    """Apply ``--resume [PATH]`` and ``--amp`` to a training config.

    Args:
        resume: ``None`` (no resume), ``'auto'`` (the latest checkpoint in the work
            directory, mmseg's ``--resume``) or the path of a checkpoint.
        amp: switch ``OptimWrapper`` to ``AmpOptimWrapper`` with dynamic loss scale
            on a GPU, to :class:`~rleseg.engine.amp.CPUAmpOptimWrapper` (bf16
            autocast) on a machine without CUDA.
    """
    if amp:
        wrapper_type = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if wrapper_type in ('AmpOptimWrapper', 'CPUAmpOptimWrapper'):
            print_log('AMP training is already enabled in the config.',
                      logger='current')
        elif wrapper_type != 'OptimWrapper':
            raise ConfigError(
                f'--amp needs optim_wrapper.type OptimWrapper, got {wrapper_type}')
        elif torch.cuda.is_available():
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.loss_scale = 'dynamic'
        else:
            cfg.optim_wrapper.type = 'CPUAmpOptimWrapper'
    if resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif resume is not None:
        cfg.resume = True
        cfg.load_from = resume
    return cfg


def apply_test_options(cfg: Config, checkpoint: str, out: Optional[str] = None,
                       show: bool = False, show_dir: Optional[str] = None,
                       wait_time: float = 2.0, tta: bool = False,
                       partial_load: bool = False) -> Config:
    """Apply ``checkpoint``, ``--out``, ``--show``, ``--show-dir``, ``--tta`` and
    ``--partial-load`` to a config.

    The checkpoint must fit the model exactly
    (:class:`~rleseg.engine.checkpoint_hook.StrictLoadHook`); ``partial_load`` loads
    what fits with mmengine's warnings instead, for a deliberate partial load.

    ``--tta`` wraps ``model`` in ``tta_model`` as mmseg's ``tools/test.py`` does (and
    swaps in ``tta_pipeline`` when the config has one); rleseg's default runtime sets
    :class:`~rleseg.models.SegDihedralTTAModel`, which needs no pipeline of its own.

    ``--out DIR`` writes every predicted label map as ``DIR/<image stem>.png``
    (:class:`~rleseg.engine.PredictionWriterHook`); ``--show`` / ``--show-dir`` turn
    on mmseg's ``SegVisualizationHook`` like mmseg's own ``tools/test.py``.
    """
    cfg.load_from = checkpoint
    if not partial_load:
        add_custom_hook(cfg, dict(type='StrictLoadHook', checkpoint=checkpoint))
    if tta:
        tta_model = cfg.get('tta_model')
        if not tta_model:
            raise ConfigError('--tta needs tta_model in the config (rleseg\'s default '
                              'runtime sets SegDihedralTTAModel)')
        if 'tta_pipeline' in cfg:
            cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
        elif tta_model.get('type') != 'SegDihedralTTAModel':
            raise ConfigError(f"--tta with tta_model {tta_model.get('type')!r} needs "
                              'tta_pipeline in the config (mmseg\'s TestTimeAug)')
        tta_model['module'] = cfg.model
        cfg.model = tta_model
    if out is not None:
        add_custom_hook(cfg, dict(type='PredictionWriterHook', out_dir=out))
    if show or show_dir:
        visualization = cfg.default_hooks.get('visualization')
        if visualization is None:
            raise ConfigError('--show / --show-dir need default_hooks.visualization '
                             '(SegVisualizationHook) in the config')
        visualization['draw'] = True
        if show:
            visualization['show'] = True
            visualization['wait_time'] = wait_time
        if show_dir:
            cfg.visualizer['save_dir'] = show_dir
    return cfg
