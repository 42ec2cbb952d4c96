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

from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from .launchers import LocalLauncher
from .progress import Progress, outcome
from .records import STATUS_MISSING, is_finished, read_json, record_path
from .settings import BenchmarkSettings, RunSpec, run_label
from .suites import ModelSpec

__all__ = ['BenchmarkSettings', 'plan_runs', 'run_models']

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
        if is_finished(record, settings.tta):
            progress.start(index, run.label)
            records[index] = record
            progress.finish(index, 'already done, skipped' + _settings_note(record, run))
        else:
            pending.append((index, run))
    return records, pending


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
               runner: Optional[Callable[[RunSpec], Record]] = None) -> List[Record]:
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
    """
    progress = Progress(len(settings.grid(models)), stream)
    records, pending = plan_runs(models, settings, progress)
    if pending:
        launcher = _InProcess(runner) if runner else (launcher or LocalLauncher())
        records.update(launcher.launch(pending, progress))
    return [records[index] for index in sorted(records)]
