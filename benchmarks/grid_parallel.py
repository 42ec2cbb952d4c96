"""Wall time of a benchmark grid run one run at a time against ``--jobs N``.

Runs ``tools/benchmark.py`` twice on the same grid, each in a fresh work directory:

* sequential: one worker at a time, ``--threads-per-run T``;
* parallel:   ``--jobs N --threads-per-run T`` (N workers at once).

With the same threads per run both train the same floating-point operations, so their
scores must be equal run for run; the parallel grid should take less wall time (target:
at most 0.6 of the sequential on a 2-core CPU with N = 2, T = 1).

Reported: both wall times (the whole command: worker start-up, training, evaluation and
report), their ratio, and the largest score difference over every run and metric. With
``--default-threads-baseline`` also the wall time of one run at a time with the process
default threads (all cores per run; other floating-point order, so other scores).

Usage::

    python benchmarks/grid_parallel.py [--suite nuclei] [--iters 300] [--seeds 0 1 2]
        [--jobs 2] [--threads 1] [--default-threads-baseline]
        [--out benchmarks/results/grid_parallel.md]
    python benchmarks/grid_parallel.py unet_nuclei_tiny --iters 2 --seeds 0 1  # a trial
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parents[1]
TARGET_RATIO = 0.6


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('configs', nargs='*', help='configs instead of --suite')
    parser.add_argument('--suite', default=None,
                        help='benchmark suite (default nuclei when no config is given)')
    parser.add_argument('--iters', type=int, default=300)
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--jobs', type=int, default=2)
    parser.add_argument('--threads', type=int, default=1, help='torch threads per run')
    parser.add_argument('--default-threads-baseline', action='store_true',
                        help='also time the grid one run at a time with the process '
                        'default threads (all cores; its scores differ: other threads)')
    parser.add_argument('--work-dir', help='where both grids go (default: a temporary '
                        'folder, removed afterwards)')
    parser.add_argument('--out', default=str(ROOT / 'benchmarks/results/grid_parallel.md'))
    return parser.parse_args(argv)


def run_grid(args: argparse.Namespace, work_dir: Path, jobs: int,
             threads: Optional[int]) -> float:
    """Run the grid with ``jobs`` workers at once, ``threads`` each (None: the
    process default); return its wall seconds."""
    selection = list(args.configs) or []
    if args.suite or not selection:
        selection += ['--suite', args.suite or 'nuclei']
    command = [sys.executable, str(ROOT / 'tools/benchmark.py'), *selection,
               '--iters', str(args.iters), '--seeds', *map(str, args.seeds),
               '--work-dir', str(work_dir)]
    if threads is not None:
        command += ['--threads-per-run', str(threads)]
    if jobs > 1:
        command += ['--jobs', str(jobs)]
    start = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f'{" ".join(command)} failed:\n{result.stdout[-3000:]}'
                         f'{result.stderr[-3000:]}')
    return wall


def scores(work_dir: Path) -> Dict[str, Dict[str, float]]:
    """``{run folder: metrics}`` of every record of a grid (test and validation)."""
    out = {}
    for path in sorted(work_dir.glob('**/benchmark_record.json')):
        record = json.loads(path.read_text())
        evaluation = record.get('eval') or {}
        metrics = {f'test {k}': v for k, v in (evaluation.get('metrics') or {}).items()}
        metrics.update({f'val {k}': v for k, v in
                        ((evaluation.get('val') or {}).get('metrics') or {}).items()})
        out[str(path.parent.relative_to(work_dir))] = metrics
    return out


def threads_per_run(work_dir: Path) -> str:
    """The torch threads the runs of a grid had (from their records)."""
    counts = {json.loads(path.read_text()).get('launch', {}).get('threads')
              for path in work_dir.glob('**/benchmark_record.json')}
    return ', '.join(str(count) for count in sorted(counts, key=str))


def largest_difference(a: Dict[str, Dict[str, float]],
                       b: Dict[str, Dict[str, float]]) -> Tuple[float, str]:
    """The largest absolute difference of a score between two grids, and where."""
    if a.keys() != b.keys():
        raise SystemExit(f'the grids ran different runs: {sorted(a)} vs {sorted(b)}')
    worst, where = 0.0, '-'
    for run, metrics in a.items():
        for key, value in metrics.items():
            if isinstance(value, (int, float)):
                diff = abs(value - b[run].get(key, float('nan')))
                if not diff <= worst:
                    worst, where = diff, f'{run} {key}'
    return worst, where


def main(argv=None) -> int:
    args = parse_args(argv)
    base = Path(args.work_dir) if args.work_dir else Path(tempfile.mkdtemp(
        prefix='grid_parallel_'))
    walls, grids, threads = {}, {}, {}
    grid_runs = [('sequential', 1, args.threads), (f'--jobs {args.jobs}', args.jobs,
                                                   args.threads)]
    if args.default_threads_baseline:
        grid_runs.append(('sequential, default threads', 1, None))
    for label, jobs, run_threads in grid_runs:
        work = base / f'grid_{len(walls)}'
        walls[label] = run_grid(args, work, jobs, run_threads)
        grids[label] = scores(work)
        threads[label] = threads_per_run(work)
        print(f'{label}: {walls[label]:.1f} s, {len(grids[label])} runs', flush=True)
    if not args.work_dir:
        shutil.rmtree(base)
    sequential, parallel = list(walls.values())[:2]
    ratio = parallel / sequential
    diff, where = largest_difference(*list(grids.values())[:2])
    what = ' '.join(args.configs) or f'--suite {args.suite or "nuclei"}'
    lines: List[str] = [
        '# Benchmark grid: sequential vs parallel workers',
        '',
        f'Measured {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} '
        f'CPU cores, with `python benchmarks/grid_parallel.py {" ".join(sys.argv[1:])}`:',
        f'`tools/benchmark.py {what} --iters {args.iters} --seeds '
        f'{" ".join(map(str, args.seeds))} --threads-per-run {args.threads}`, once one '
        f'run at a time and once with `--jobs {args.jobs}`. Other processes on the '
        'machine are not controlled: on a shared CPU the ratio varies.',
        '',
        '| grid | runs | threads per run | wall s |',
        '|---|---|---|---|',
        *(f'| {label} | {len(grids[label])} | {threads[label]} | {wall:.1f} |'
          for label, wall in walls.items()),
        '',
        f'Ratio parallel / sequential: **{ratio:.2f}** (target <= {TARGET_RATIO}: '
        f'{"met" if ratio <= TARGET_RATIO else "missed"}).',
        *([f'Against one run at a time with the default threads: '
           f'{parallel / walls["sequential, default threads"]:.2f}.']
          if args.default_threads_baseline else []),
        f'Largest score difference over every run and metric: {diff:g} ({where}); '
        + ('scores equal.' if diff == 0 else 'scores NOT equal.'),
        '']
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text('\n'.join(lines))
    print('\n'.join(lines))
    return 0 if diff == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
