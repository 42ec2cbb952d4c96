"""The benchmark end to end: run the models, print and write tables, figures and a
summary. ``tools/benchmark.py`` parses arguments and calls :func:`run_benchmark`."""
from __future__ import annotations

import dataclasses
import os
import sys
import time
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, TextIO

from .grid import BenchmarkSettings, run_models
from .records import STATUS_DONE
from .report import DatasetTable, group_by_dataset, summary_lines, write_reports
from .suites import ModelSpec


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
        """True when every model was evaluated."""
        return all(r.get('status') == STATUS_DONE for r in self.records)


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
                  stream: Optional[TextIO] = None, runner=None) -> BenchmarkResult:
    """Run (or resume) the benchmark and write its report into ``settings.work_dir``.

    Args:
        models: the models, in table order.
        settings: shared settings.
        stream: where progress, tables and the summary are printed (stdout).
        runner: how one model runs (default: a worker process per model).
    """
    from .measure import machine_info
    from .plots import write_figures

    stream = stream or sys.stdout
    start = time.time()
    os.makedirs(settings.work_dir, exist_ok=True)
    header = (f'rleseg benchmark {settings.title}: {len(models)} models, work dir '
              f'{settings.work_dir}' + (' (DEMO SCALE)' if settings.demo else ''))
    stream.write(header + '\n')
    if settings.demo and ensure_demo_data():
        stream.write('generated the demo data under data/ (tools/prepare_data.py)\n')
    records = run_models(models, settings, runner=runner, stream=stream)
    tables = group_by_dataset(records)
    machine = machine_info()
    plain = dataclasses.asdict(settings)
    written = write_reports(tables, settings.work_dir, title=settings.title,
                            demo=settings.demo, settings=plain, machine=machine)
    files = [path for paths in written.values() for path in paths]
    files += write_figures(tables, settings.work_dir, settings.demo, settings.num_vis)
    summary = summary_lines(tables, settings.demo, machine)
    for table in tables:
        stream.write(f'\n## {table.label}' + (' (DEMO SCALE)' if settings.demo else '')
                     + '\n\n' + table.markdown() + '\n'
                     + ''.join(f'- not evaluated: {note}\n' for note in table.notes()))
    wall = time.time() - start
    stream.write('\nSummary\n' + ''.join(f'- {line}\n' for line in summary))
    stream.write(f'- Wall time {wall:.0f} s. Reports: {settings.work_dir}/benchmark_*'
                 '.{md,csv,json,png}\n')
    return BenchmarkResult(records, tables, files, summary, wall)
