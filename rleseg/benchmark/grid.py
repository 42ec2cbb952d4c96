"""Run a list of models (one worker process each) and write the benchmark report.

Layout of a benchmark work directory::

    <work_dir>/<model>/            mmengine work dir: checkpoints, logs,
                                   benchmark_record.json, benchmark_worker.log,
                                   qualitative.npz
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

from .progress import Progress
from .records import (STATUS_DONE, STATUS_FAILED, STATUS_MISSING, progress_path,
                      read_json, record_path)
from .suites import ModelSpec

WORKER_LOG = 'benchmark_worker.log'


@dataclass
class BenchmarkSettings:
    """What every model of a benchmark run shares.

    Attributes:
        work_dir: root of the per-model work directories and of the report.
        train: False evaluates existing checkpoints only.
        iters: override of ``train_cfg.max_iters`` for every model (None: the
            configs' own schedules).
        cfg_options: config overrides applied to every model.
        latency_repeats: timed calls per latency batch size.
        num_vis: test images in the qualitative figure.
        demo: label the output as demo-scale numbers.
        title: heading of the report (suite name or "custom").
    """
    work_dir: str
    train: bool = True
    iters: Optional[int] = None
    cfg_options: Dict[str, Any] = field(default_factory=dict)
    latency_repeats: int = 3
    num_vis: int = 4
    demo: bool = False
    title: str = 'custom'


def worker_command(spec: ModelSpec, settings: BenchmarkSettings) -> List[str]:
    """The command line of the worker process of one model."""
    command = [sys.executable, '-m', 'rleseg.benchmark.worker', '--config', spec.config,
               '--model-dir', osp.join(settings.work_dir, spec.name),
               '--latency-repeats', str(settings.latency_repeats),
               '--num-vis', str(settings.num_vis)]
    if not settings.train:
        command.append('--eval-only')
    if settings.iters is not None:
        command += ['--iters', str(settings.iters)]
    if settings.cfg_options:
        command += ['--cfg-options', json.dumps(settings.cfg_options)]
    return command


def _run_worker(spec: ModelSpec, settings: BenchmarkSettings,
                progress: Progress) -> Dict[str, Any]:
    """Run one model's worker, showing its progress; return its record."""
    model_dir = osp.join(settings.work_dir, spec.name)
    os.makedirs(model_dir, exist_ok=True)
    progress_file = progress_path(model_dir)
    if osp.exists(progress_file):
        os.remove(progress_file)
    progress.update('starting')
    with open(osp.join(model_dir, WORKER_LOG), 'ab') as log:
        process = subprocess.Popen(worker_command(spec, settings), stdout=log,
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
        record = dict(name=spec.name, config=spec.config, status=STATUS_FAILED,
                      error=f'worker exited with code {process.returncode}')
    return record


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
    recorded = record.get('settings')
    wanted = dict(iters=settings.iters, cfg_options=settings.cfg_options or {})
    if recorded is None or recorded == wanted:
        return ''
    return (f" (recorded with {recorded}, now {wanted}: delete "
            f"{osp.join(settings.work_dir, record['name'])} to rerun)")


def run_models(models: Sequence[ModelSpec], settings: BenchmarkSettings,
               runner: Optional[Callable[[ModelSpec, BenchmarkSettings, Progress],
                                         Dict[str, Any]]] = None,
               stream=None) -> List[Dict[str, Any]]:
    """Run every model not finished yet and return all records, in order.

    Args:
        models: the models; those without a config get a ``missing`` record.
        settings: shared settings.
        runner: how one model runs (default: a worker process).
        stream: where progress goes (default stdout).
    """
    runner = runner or _run_worker
    progress = Progress(len(models), stream)
    records = []
    for index, spec in enumerate(models):
        progress.start_model(index, spec.name)
        if spec.config is None:
            record = dict(name=spec.name, config=None, status=STATUS_MISSING,
                          error=f'no config configs/{spec.name}.py')
            progress.finish_model('missing config, skipped')
        else:
            record = read_json(record_path(osp.join(settings.work_dir, spec.name)))
            if record and record.get('status') == STATUS_DONE:
                progress.finish_model('already done, skipped'
                                      + _settings_note(record, settings))
            else:
                record = runner(spec, settings, progress)
                progress.finish_model(_outcome(record))
        records.append(record)
    return records
