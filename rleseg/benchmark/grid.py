"""Run a list of models (one worker process each) and write the benchmark report.

Layout of a benchmark work directory::

    <work_dir>/<model>/            mmengine work dir: checkpoints, logs,
                                   benchmark_record.json, benchmark_worker.log,
                                   qualitative.npz (the config's own seed)
    <work_dir>/<model>/seed_<s>/   the same per seed with ``--seeds``
    <work_dir>/benchmark_<dataset>.{md,csv,json}, ..._per_class.{md,csv},
    <work_dir>/benchmark_<dataset>_metrics.png, ..._qualitative.png

A model whose record says ``done`` is never run again; see
:func:`rleseg.benchmark.worker.run_model` for what resumes how.
"""
from __future__ import annotations

import json
import os
import os.path as osp
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence

from rleseg.engine.tool_errors import ConfigError
from rleseg.models.tta import VIEWS

from .lock import EXIT_BUSY
from .progress import Progress
from .records import (STATUS_DONE, STATUS_FAILED, STATUS_MISSING, is_finished,
                      progress_path, read_json, record_path)
from .suites import ModelSpec

WORKER_LOG = 'benchmark_worker.log'


@dataclass
class BenchmarkSettings:
    """What every model of a benchmark run shares.

    Attributes:
        work_dir: root of the per-model work directories and of the report.
        train: False evaluates existing checkpoints only.
        iters: training length N of every model, the configs' schedules scaled to it
            (None: the configs' own schedules).
        seeds: train every model once per seed (None: once, with the config's seed).
        budget_minutes: train every model for the iterations that fit this many
            minutes (measured by a timed warm-up; exclusive with ``iters``).
        curve_points: score the test split at this many evenly spaced points of
            training (0: at the end only).
        cfg_options: config overrides applied to every model.
        latency_repeats: timed calls per latency batch size.
        num_vis: test images in the qualitative figure.
        tta: also score every model with test-time augmentation over these views (a
            key of :data:`rleseg.models.tta.VIEWS`; None: no TTA).
        demo: label the output as demo-scale numbers.
        title: heading of the report (suite name or "custom").
    """
    work_dir: str
    train: bool = True
    iters: Optional[int] = None
    seeds: Optional[List[int]] = None
    budget_minutes: Optional[float] = None
    curve_points: int = 0
    cfg_options: Dict[str, Any] = field(default_factory=dict)
    latency_repeats: int = 3
    num_vis: int = 4
    tta: Optional[str] = None
    demo: bool = False
    title: str = 'custom'


    def __post_init__(self) -> None:
        if self.iters is not None and self.budget_minutes is not None:
            raise ConfigError('give --iters or --budget-minutes, not both')
        if self.iters is not None and self.iters < 1:
            raise ConfigError(f'--iters must be at least 1, got {self.iters}')
        if self.budget_minutes is not None and self.budget_minutes <= 0:
            raise ConfigError(f'--budget-minutes must be positive, got '
                              f'{self.budget_minutes}')
        if self.seeds is not None and len(set(self.seeds)) != len(self.seeds):
            raise ConfigError(f'--seeds repeats a seed: {self.seeds}')
        if self.curve_points < 0:
            raise ConfigError(f'--curve-points must be >= 0, got {self.curve_points}')
        if self.tta is not None and self.tta not in VIEWS:
            raise ConfigError(f'--tta must be one of {sorted(VIEWS)}, got {self.tta!r}')

    @property
    def run_seeds(self) -> List[Optional[int]]:
        """The seeds each model runs with (``[None]``: the config's own)."""
        return list(self.seeds) if self.seeds else [None]

    def model_dir(self, name: str, seed: Optional[int]) -> str:
        """Work directory of one model run."""
        base = osp.join(self.work_dir, name)
        return base if seed is None else osp.join(base, f'seed_{seed}')

    def recorded(self) -> Dict[str, Any]:
        """The settings a record is made with (compared when a run is skipped)."""
        return dict(iters=self.iters, cfg_options=self.cfg_options or {},
                    budget_minutes=self.budget_minutes, curve_points=self.curve_points,
                    tta=self.tta)


def worker_command(spec: ModelSpec, settings: BenchmarkSettings,
                   seed: Optional[int] = None) -> List[str]:
    """The command line of the worker process of one model run."""
    command = [sys.executable, '-m', 'rleseg.benchmark.worker', '--config', spec.config,
               '--model-dir', settings.model_dir(spec.name, seed),
               '--latency-repeats', str(settings.latency_repeats),
               '--num-vis', str(settings.num_vis), '--parent-pid', str(os.getpid()),
               '--curve-points', str(settings.curve_points)]
    if not settings.train:
        command.append('--eval-only')
    if settings.iters is not None:
        command += ['--iters', str(settings.iters)]
    if settings.budget_minutes is not None:
        command += ['--budget-minutes', str(settings.budget_minutes)]
    if seed is not None:
        command += ['--seed', str(seed)]
    if settings.tta is not None:
        command += ['--tta', settings.tta]
    if settings.cfg_options:
        command += ['--cfg-options', json.dumps(settings.cfg_options)]
    return command


def _run_worker(spec: ModelSpec, settings: BenchmarkSettings, progress: Progress,
                seed: Optional[int] = None) -> Dict[str, Any]:
    """Run one model's worker, showing its progress; return its record."""
    model_dir = settings.model_dir(spec.name, seed)
    os.makedirs(model_dir, exist_ok=True)
    progress_file = progress_path(model_dir)
    if osp.exists(progress_file):
        os.remove(progress_file)
    progress.update('starting')
    with open(osp.join(model_dir, WORKER_LOG), 'ab') as log:
        process = subprocess.Popen(worker_command(spec, settings, seed), stdout=log,
                                   stderr=subprocess.STDOUT)
        try:
            while process.poll() is None:
                state = _read_progress(progress_file)
                if state:
                    progress.update(state['phase'], state['step'], state['total'])
                time.sleep(0.5)
        except BaseException:
            process.terminate()
            process.wait()
            raise
    record = read_json(record_path(model_dir)) or {}
    if process.returncode != 0 and record.get('status') != STATUS_FAILED:
        busy = process.returncode == EXIT_BUSY
        error = (_last_line(osp.join(model_dir, WORKER_LOG)) if busy
                 else f'worker exited with code {process.returncode}')
        record = dict(name=spec.name, config=spec.config, seed=seed, status=STATUS_FAILED,
                      error=error)
    return record


def _last_line(path: str) -> str:
    with open(path, encoding='utf-8', errors='replace') as file:
        lines = [line.strip() for line in file if line.strip()]
    return lines[-1] if lines else ''



def _read_progress(path: str) -> Optional[dict]:
    try:
        return read_json(path)
    except (OSError, ValueError):
        return None


def _outcome(record: Dict[str, Any]) -> str:
    if record.get('status') == STATUS_DONE:
        metrics = record['eval']['metrics']
        dice = metrics.get('mDice')
        return 'done' + (f', mDice {dice:.1f}' if dice is not None else '')
    return f"{record.get('status')}: {record.get('error', '')}"


def _settings_note(record: Dict[str, Any], settings: BenchmarkSettings) -> str:
    """A hint when a finished record was made with other iterations / overrides."""
    recorded = {key: value for key, value in (record.get('settings') or {}).items()
                if key != 'seed'}
    wanted = settings.recorded()
    differ = {key: (recorded[key], value) for key, value in wanted.items()
              if key in recorded and recorded[key] != value}
    if not recorded or not differ:
        return ''
    changes = ', '.join(f'{key} {old!r} -> {new!r}' for key, (old, new) in differ.items())
    return (f" (recorded with other settings: {changes}; delete "
            f"{settings.model_dir(record['name'], record.get('seed'))} to rerun)")


def run_models(models: Sequence[ModelSpec], settings: BenchmarkSettings,
               runner: Optional[Callable[..., Dict[str, Any]]] = None,
               stream=None) -> List[Dict[str, Any]]:
    """Run every (model, seed) not finished yet and return all records, in order.

    Args:
        models: the models; those without a config get a ``missing`` record.
        settings: shared settings (``settings.run_seeds``: the seeds of each model).
        runner: how one run goes, ``runner(spec, settings, progress, seed)`` (default:
            a worker process).
        stream: where progress goes (default stdout).
    """
    runner = runner or _run_worker
    seeds = settings.run_seeds
    progress = Progress(len(models) * len(seeds), stream)
    records = []
    for index, (spec, seed) in enumerate((s, seed) for s in models for seed in seeds):
        label = spec.name if seed is None else f'{spec.name} seed {seed}'
        progress.start_model(index, label)
        if spec.config is None:
            record = dict(name=spec.name, config=None, seed=seed, status=STATUS_MISSING,
                          error=f'no config configs/{spec.name}.py')
            progress.finish_model('missing config, skipped')
        else:
            record = read_json(record_path(settings.model_dir(spec.name, seed)))
            if is_finished(record, settings.tta):
                progress.finish_model('already done, skipped'
                                      + _settings_note(record, settings))
            else:
                record = runner(spec, settings, progress, seed)
                progress.finish_model(_outcome(record))
        records.append(record)
    return records
