"""The config of one benchmark run: the model's config with the run's overrides,
seed, fold, scaled schedule, checkpoints of other runs and the benchmark's
evaluators."""
from __future__ import annotations

import copy
import functools
import os
import os.path as osp
from typing import Any, Callable, List, Optional

from .records import read_json, record_path
from .settings import RunSpec
from .validation import detach_validation


def build_benchmark_config(run: RunSpec, iters: Optional[int]):
    """The config as the benchmark runs it.

    Args:
        run: the run (config file, overrides, seed, fold, work directory).
        iters: if given, the training length N; the whole schedule (schedulers,
            intervals) is scaled to it (:func:`~rleseg.benchmark.schedule.scale_schedule`).

    Returns:
        An mmengine ``Config`` with the benchmark's evaluators (see
        :func:`benchmark_evaluators`) on the test split and on the validation split
        (moved under :data:`~rleseg.benchmark.validation.VAL_SPLIT_KEY`), and no
        validation loop; with a fold, training on the training items outside it and
        validation on it (:func:`apply_fold`). Its splits are not checked here: the
        grid checks every run's splits once, before the first run starts
        (:func:`~rleseg.benchmark.preflight.check_grid_data`).
    """
    from rleseg.engine import load_config

    from .schedule import scale_schedule
    cfg = load_config(run.config, run.cfg_options, work_dir=run.model_dir)
    resolve_run_checkpoints(cfg, run)
    if run.fold is not None:
        apply_fold(cfg, run.num_folds, run.fold)
    if iters is not None:
        scale_schedule(cfg, iters)
    if run.seed is not None:
        cfg.randomness = dict(cfg.get('randomness') or {}, seed=int(run.seed))
    cfg.test_evaluator = benchmark_evaluators(cfg.get('test_evaluator'))
    detach_validation(cfg, benchmark_evaluators(cfg.get('val_evaluator')
                                                or cfg.get('test_evaluator')))
    return cfg


def apply_fold(cfg, num_folds: int, fold: int) -> None:
    """Make ``cfg`` (in place) train on its training items outside fold ``fold`` of
    ``num_folds`` and validate on the items of that fold
    (:func:`rleseg.datasets.folds.fold_dataset_cfgs`). The validation dataloader keeps
    the config's validation settings and pipeline (its test dataloader's when it has
    none); the test split is not touched."""
    from rleseg.datasets.folds import fold_dataset_cfgs
    val_loader = cfg.get('val_dataloader') or cfg.test_dataloader
    train_dataset, val_dataset = fold_dataset_cfgs(
        cfg.train_dataloader.dataset, val_loader.dataset, num_folds, fold)
    cfg.train_dataloader.dataset = train_dataset
    cfg.val_dataloader = dict(val_loader, dataset=val_dataset)


#: ``checkpoint='benchmark://<model>'``: the trained checkpoint of another model of the
#: same benchmark run (same work directory and seed), e.g. to initialise a backbone.
RUN_CHECKPOINT = 'benchmark://'


def _map_strings(node: Any, function: Callable[[str], Any]) -> Any:
    """``node`` (a config value) with every string ``s`` replaced by ``function(s)``,
    dicts and lists changed in place."""
    if isinstance(node, dict):
        for key, value in node.items():
            node[key] = _map_strings(value, function)
    elif isinstance(node, list):
        node[:] = [_map_strings(value, function) for value in node]
    elif isinstance(node, str):
        return function(node)
    return node


def _run_checkpoint_model(text: str) -> Optional[str]:
    """``<model>`` of a ``benchmark://<model>`` string (None for other strings)."""
    return text[len(RUN_CHECKPOINT):] if text.startswith(RUN_CHECKPOINT) else None


def resolve_run_checkpoints(cfg, run: RunSpec) -> None:
    """Replace every ``benchmark://<model>`` string of ``cfg``, in place, by the trained
    checkpoint of ``<model>`` in the same benchmark, fold and seed as ``run``
    (:meth:`RunSpec.sibling_dir`).

    Raises:
        FileNotFoundError: that model has not been trained in this run (list it before
            the model that uses it).
    """

    def resolve(text: str) -> str:
        name = _run_checkpoint_model(text)
        if name is None:
            return text
        source = run.sibling_dir(name)
        checkpoint = ((read_json(record_path(source)) or {}).get('train') or {}).get(
            'checkpoint')
        if not checkpoint or not osp.isfile(checkpoint):
            raise FileNotFoundError(
                f'{text}: no trained checkpoint of {name} in {source}; run {name} '
                'in the same benchmark (and work dir, folds, seeds) before this model')
        return checkpoint

    for key in list(cfg.keys()):
        cfg[key] = _map_strings(cfg[key], resolve)


@functools.lru_cache(maxsize=None)
def _read_once(path: str, mtime_ns: int):
    from rleseg.engine.config_checks import read_config
    return read_config(path)


def read_run_config(run: RunSpec):
    """``run``'s config file with its overrides, as an mmengine ``Config``: a copy of
    the file read once per process while it is unchanged (reading a config with
    ``mmseg::`` bases parses mmseg's model indexes: about a second); the grid's
    planning and its data check read it through here."""
    cfg = copy.deepcopy(_read_once(osp.abspath(run.config), os.stat(run.config).st_mtime_ns))
    if run.cfg_options:
        cfg.merge_from_dict(run.cfg_options)
    return cfg


def run_dependencies(run: RunSpec) -> List[str]:
    """The models whose trained checkpoints ``run``'s config (with its overrides)
    starts from (``benchmark://<model>``), in the order it names them."""
    cfg = read_run_config(run)
    names: List[str] = []

    def collect(text: str) -> str:
        name = _run_checkpoint_model(text)
        if name is not None and name not in names:
            names.append(name)
        return text

    for key in list(cfg.keys()):
        _map_strings(cfg[key], collect)
    return names


def benchmark_evaluators(evaluator: Any) -> Any:
    """The test evaluators every model is scored with, whatever its config names.

    ``PerClassSegMetric`` (keeping the config's ``ignore_index``) for every model; a
    ``VideoFrameMetric`` of the config is kept around it, so window predictions are
    merged per frame before that same metric scores them; a ``PanopticQualityMetric``
    of the config is kept next to it.
    """
    configured = evaluator if isinstance(evaluator, (list, tuple)) else [evaluator]
    configured = [dict(e) for e in configured if e]
    ignore_index = next((e.get('ignore_index') for e in configured
                         if e.get('ignore_index') is not None), 255)
    per_class = dict(type='PerClassSegMetric', ignore_index=ignore_index)
    video = [e for e in configured if e['type'] == 'VideoFrameMetric']
    primary = dict(video[0], metric=per_class) if video else per_class
    panoptic = [e for e in configured if e['type'] == 'PanopticQualityMetric']
    return [primary, *panoptic] if panoptic else primary
