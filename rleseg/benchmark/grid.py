"""The benchmark grid: every (model, fold, seed) run, finished ones skipped, the rest
handed to a launcher; one record per run, in table order.

Layout of a benchmark work directory::

    <work_dir>/<model>/            mmengine work dir: checkpoints, logs,
                                   benchmark_record.json, benchmark_worker.log,
                                   qualitative.npz (the config's own seed)
    <work_dir>/<model>/seed_<s>/   the same per seed with ``--seeds``
    <work_dir>/<model>/fold_<i>/seed_<s>/   and per fold with ``--folds``
    <work_dir>/benchmark_<dataset>.{md,csv,json}, ..._per_class.{md,csv},
    <work_dir>/benchmark_<dataset>_metrics.png, ..._qualitative.png

A run whose record says ``done`` is never run again; see
:func:`rleseg.benchmark.worker.run_model` for what resumes how. Launchers
(:mod:`rleseg.benchmark.launchers`) decide where the other runs go: worker processes
here (``--jobs``) or a Slurm job array (``--launcher slurm``).
"""
from __future__ import annotations

import json
import os
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from rleseg.engine.tool_errors import ConfigError

from .launchers import LocalLauncher
from .preflight import check_grid_data
from .progress import Progress, outcome
from .records import (STATUS_MISSING, STATUS_SUBMITTED, is_finished, read_json,
                      record_path)
from .settings import BenchmarkSettings, RunSpec, run_label
from .suites import ModelSpec

__all__ = ['BenchmarkSettings', 'dependency_levels', 'plan_runs', 'run_models']

Record = Dict[str, Any]


def _settings_note(record: Record, run: RunSpec) -> str:
    """A hint when a finished record was made with other iterations / overrides."""
    recorded = record.get('settings') or {}
    differ = {key: (recorded[key], value) for key, value in run.recorded().items()
              if key in recorded and recorded[key] != value}
    if not differ:
        return ''
    changes = ', '.join(f'{key} {old!r} -> {new!r}' for key, (old, new) in differ.items())
    return (f' (recorded with other settings: {changes}; delete {run.model_dir} to '
            'rerun)')


def _config_changed(record: Record, run: RunSpec) -> bool:
    """True when a record names the digest of its config and the config now resolves
    to another one (a composed config rebuilt from a changed dataset config, an edited
    value); records made before digests were kept are taken as they are."""
    recorded = (record.get('settings') or {}).get('config_sha1')
    if recorded is None:
        return False
    try:
        return recorded != run.recorded()['config_sha1']
    except Exception:  # an unreadable config fails its own run if it is ever run
        return False


def _set_aside(model_dir: str) -> str:
    """Rename a run's folder to ``<folder>.replaced_<n>`` (nothing is deleted; its
    checkpoints must not be resumed by the new run); returns the new name."""
    index = 1
    while os.path.exists(f'{model_dir}.replaced_{index}'):
        index += 1
    os.rename(model_dir, f'{model_dir}.replaced_{index}')
    return f'{model_dir}.replaced_{index}'


def plan_runs(models: Sequence[ModelSpec], settings: BenchmarkSettings,
              progress: Progress) -> Tuple[Dict[int, Record], List[Tuple[int, RunSpec]]]:
    """Split the grid into what is settled and what has to run.

    Returns:
        ``(records, pending)``: the records of finished runs and models without a
        config, by their index in the grid (each shown as skipped), and the
        ``(index, run)`` pairs still to run.
    """
    records: Dict[int, Record] = {}
    pending: List[Tuple[int, RunSpec]] = []
    for index, (spec, fold, seed) in enumerate(settings.grid(models)):
        if spec.config is None:
            progress.start(index, run_label(spec.name, fold, seed))
            records[index] = dict(name=spec.name, config=None, seed=seed, fold=fold,
                                  status=STATUS_MISSING,
                                  error=f'no config configs/{spec.name}.py')
            progress.finish(index, 'missing config, skipped')
            continue
        run = settings.run(spec, fold, seed)
        record = read_json(record_path(run.model_dir))
        finished = is_finished(record, settings.tta, settings.calibrate)
        if finished and _config_changed(record, run):
            stale = _set_aside(run.model_dir)
            progress.start(index, run.label)
            progress.finish(index, f'its config resolves differently since it ran: run '
                            f'again (the earlier run is kept in {stale})')
            pending.append((index, run))
        elif finished:
            progress.start(index, run.label)
            records[index] = record
            progress.finish(index, 'already done, skipped' + _settings_note(record, run))
        else:
            pending.append((index, run))
    return records, pending


def dependency_levels(runs: Sequence[Tuple[int, RunSpec]]
                      ) -> List[List[Tuple[int, RunSpec]]]:
    """The runs in the order their checkpoints are needed: level 0 starts from no
    other pending run; a run whose config names ``benchmark://<model>``
    (:func:`~.run_config.run_dependencies`) comes one level after that model's run of
    the same fold and seed when that run is pending too (a finished one is there
    already). Launchers run the levels one after another, the runs of a level at once.

    Raises:
        ConfigError: the configs name each other in a circle.
    """
    from .run_config import run_dependencies
    pending = {run.model_dir: index for index, run in runs}
    by_index = dict(runs)
    names: Dict[Tuple[str, str], List[str]] = {}
    needs = {}
    for index, run in runs:
        key = (run.config, json.dumps(run.cfg_options, sort_keys=True))
        if key not in names:
            try:
                names[key] = run_dependencies(run)
            except Exception:  # an unreadable config: its worker records the error
                names[key] = []
        needs[index] = [pending[run.sibling_dir(name)] for name in names[key]
                        if run.sibling_dir(name) in pending]
    levels: Dict[int, int] = {}

    def level(index: int, path: Tuple[int, ...] = ()) -> int:
        if index in path:
            raise ConfigError('benchmark:// checkpoints name each other in a circle: '
                              + ' -> '.join(by_index[i].name for i in path + (index, )))
        if index not in levels:
            levels[index] = 1 + max((level(need, path + (index, ))
                                     for need in needs[index]), default=-1)
        return levels[index]

    ordered: List[List[Tuple[int, RunSpec]]] = []
    for index, run in runs:
        depth = level(index)
        ordered.extend([] for _ in range(depth + 1 - len(ordered)))
        ordered[depth].append((index, run))
    return ordered


class _InProcess:
    """Runs one after another in this process through ``runner(run) -> record``."""

    def __init__(self, runner: Callable[[RunSpec], Record]) -> None:
        self.runner = runner

    def launch(self, runs, progress: Progress) -> Dict[int, Record]:
        records = {}
        for index, run in runs:
            progress.start(index, run.label)
            records[index] = self.runner(run)
            progress.finish(index, outcome(records[index]))
        return records


def run_models(models: Sequence[ModelSpec], settings: BenchmarkSettings,
               launcher=None, stream=None,
               runner: Optional[Callable[[RunSpec], Record]] = None,
               check_data: bool = False) -> List[Record]:
    """Run every (model, fold, seed) not finished yet and return all records, in order.

    Args:
        models: the models; those without a config get a ``missing`` record.
        settings: the grid (``settings.grid``: the runs of each model).
        launcher: where the runs go (default: :class:`~.launchers.LocalLauncher`, one
            worker process at a time); anything with ``launch(runs, progress) ->
            {index: record}``.
        stream: where progress goes (default stdout).
        runner: instead of a launcher, run each run in this process as
            ``runner(run) -> record``.
        check_data: before the first run starts, build every split the runs still
            to run read and refuse the grid when one is empty, broken or shares
            items with another (:func:`~.preflight.check_grid_data`; what
            :func:`~rleseg.benchmark.run.run_benchmark` does).

    Raises:
        DataError: ``check_data`` found an unusable split (nothing has run).
    """
    progress = Progress(len(settings.grid(models)), stream)
    records, pending = plan_runs(models, settings, progress)
    levels = dependency_levels(pending)   # reads each config once; the check reuses it
    if check_data:
        check_grid_data([run for _, run in pending])
    launcher = _InProcess(runner) if runner else (launcher or LocalLauncher())
    for level in levels:
        if any(r.get('status') == STATUS_SUBMITTED for r in records.values()):
            records.update({index: dict(name=run.name, seed=run.seed, fold=run.fold,
                                        status=STATUS_SUBMITTED, job=None)
                            for index, run in level})  # after what it starts from
            continue
        records.update(launcher.launch(level, progress))
    return [records[index] for index in sorted(records)]
