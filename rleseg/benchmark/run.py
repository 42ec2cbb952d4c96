"""The benchmark end to end: run the models, print and write tables, figures and a
summary. ``tools/benchmark.py`` parses arguments and calls :func:`run_benchmark`."""
from __future__ import annotations

import dataclasses
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, TextIO

from .grid import BenchmarkSettings, dependency_levels, plan_runs, run_models
from .launchers import LocalLauncher
from .lock import report_lock
from .progress import Progress
from .records import STATUS_DONE, STATUS_SUBMITTED
from .report import (DatasetTable, group_by_dataset, summary_lines, work_dir_records,
                     write_reports)
from .suites import CONFIG_ROOT, ModelSpec


@dataclass
class BenchmarkResult:
    """What a benchmark run produced."""
    records: List[Dict[str, Any]]
    tables: List[DatasetTable]
    files: List[str]
    summary: List[str]
    wall_s: float

    @property
    def ok(self) -> bool:
        """True when every run was evaluated or (``--no-wait``) submitted."""
        return all(r.get('status') in (STATUS_DONE, STATUS_SUBMITTED)
                   for r in self.records)


def reads_shipped_data(models: Sequence[ModelSpec]) -> bool:
    """True when a model is one of the repository's configs (they read the shipped and
    generated data under ``data/``); configs composed for a user's ``--dataset`` live in
    the work dir and read the user's data."""
    return any(m.config and Path(m.config).resolve().is_relative_to(CONFIG_ROOT)
               for m in models)


def ensure_demo_data(out: str = 'data') -> bool:
    """Generate the embedded demo data (``tools/prepare_data.py``) when it is missing.

    Returns:
        True when data was generated.
    """
    from rleseg.datasets.prepare import demo_data_ready, prepare_demo
    if demo_data_ready(out):
        return False
    prepare_demo(out)
    return True


def run_benchmark(models: Sequence[ModelSpec], settings: BenchmarkSettings,
                  stream: Optional[TextIO] = None, runner=None, launcher=None,
                  dry_run: bool = False) -> BenchmarkResult:
    """Run (or resume) the benchmark and write its report into ``settings.work_dir``.

    Args:
        models: the models, in table order.
        settings: shared settings.
        stream: where progress, tables and the summary are printed (stdout).
        runner: run each run in this process as ``runner(run) -> record`` (tests).
        launcher: where the runs go (default: one local worker process at a time;
            :mod:`rleseg.benchmark.launchers`).
        dry_run: print the runs still to run and their commands; start nothing.

    Returns:
        The result; without tables when nothing was evaluated yet: a dry run, or runs
        submitted without waiting (``status`` ``'submitted'``: a rerun collects them).
    """
    from .measure import machine_info
    from .plots import write_figures

    stream = stream or sys.stdout
    start = time.time()
    os.makedirs(settings.work_dir, exist_ok=True)
    header = (f'rleseg benchmark {settings.title}: {len(models)} models, work dir '
              f'{settings.work_dir}' + (' (DEMO SCALE)' if settings.demo else ''))
    stream.write(header + '\n')
    if settings.demo and not dry_run and reads_shipped_data(models) and ensure_demo_data():
        stream.write('generated the demo data under data/ (tools/prepare_data.py)\n')
    launcher = launcher or LocalLauncher()
    if dry_run:
        records, pending = plan_runs(models, settings,
                                     Progress(len(settings.grid(models)), stream))
        stream.write('dry run, nothing started:\n')
        for number, level in enumerate(dependency_levels(pending)):
            if number:
                stream.write('then, once those are done (these start from their '
                             'checkpoints):\n')
            stream.write('\n'.join(launcher.describe(level)) + '\n')
        return BenchmarkResult([records[i] for i in sorted(records)], [], [], [],
                               time.time() - start)
    records = run_models(models, settings, launcher=launcher, stream=stream, runner=runner,
                         check_data=True)
    submitted = [r for r in records if r.get('status') == STATUS_SUBMITTED]
    if submitted:
        stream.write(f'{len(submitted)} runs submitted, not waited for: run the same '
                     'command again (or with --eval-only) to collect the table\n')
        return BenchmarkResult(records, [], [], [], time.time() - start)
    machine = machine_info()
    with report_lock(settings.work_dir):  # another run on this work dir may be writing
        tables = group_by_dataset(work_dir_records(records, settings.work_dir))
        written = write_reports(tables, settings.work_dir, title=settings.title,
                                demo=settings.demo, settings=dataclasses.asdict(settings),
                                machine=machine)
        files = [path for paths in written.values() for path in paths]
        files += write_figures(tables, settings.work_dir, settings.demo, settings.num_vis)
    summary = summary_lines(tables, settings.demo, machine)
    for table in tables:
        stream.write(f'\n## {table.label}' + (' (DEMO SCALE)' if settings.demo else '')
                     + '\n\n' + table.console() + '\n'
                     + ''.join(f'- not evaluated: {note}\n' for note in table.notes()))
    wall = time.time() - start
    stream.write('\nSummary\n' + ''.join(f'- {line}\n' for line in summary))
    stream.write(f'- Wall time {wall:.0f} s. Reports: {settings.work_dir}/benchmark_*'
                 '.{md,csv,json,png}\n')
    return BenchmarkResult(records, tables, files, summary, wall)
