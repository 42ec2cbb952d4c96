"""How the runs of a benchmark grid are started: worker processes on this machine.

Every launcher takes the runs that are not finished (:class:`~.settings.RunSpec`,
each with its place in the grid), starts each run's worker with the run's JSON
(:meth:`RunSpec.to_json`), shows their progress in one display and returns their
records. The worker holds its run's folder lock, resumes and records the same way under
every launcher (:mod:`rleseg.benchmark.worker`).

* :class:`LocalLauncher` (``--jobs N``): up to N worker processes at once, each with its
  share of the CPU threads (``cores // N``) or, when GPUs are visible, one GPU each
  (``CUDA_VISIBLE_DEVICES``, round-robin over the slots).
* :class:`~rleseg.benchmark.submitit_launcher.SubmititLauncher` (``--launcher slurm``):
  one Slurm job array through submitit.
"""
from __future__ import annotations

import dataclasses
import os
import os.path as osp
import shlex
import subprocess
import sys
import time
from typing import Any, Dict, List, Optional, Sequence, Tuple

from rleseg.engine.tool_errors import ConfigError

from .lock import EXIT_BUSY
from .progress import Progress, outcome
from .records import STATUS_FAILED, progress_path, read_json, record_path
from .settings import RunSpec

WORKER_LOG = 'benchmark_worker.log'
#: ``(index in the grid, run)`` pairs, as the grid hands runs to a launcher.
IndexedRuns = Sequence[Tuple[int, RunSpec]]


def cpu_cores() -> int:
    """CPU cores this process may run on (its affinity mask, e.g. a Slurm allocation)."""
    if hasattr(os, 'sched_getaffinity'):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def thread_share(jobs: int, cores: Optional[int] = None) -> int:
    """Threads of each of ``jobs`` concurrent runs: ``cores // jobs``, at least 1."""
    return max(1, (cpu_cores() if cores is None else cores) // jobs)


def visible_gpus() -> List[str]:
    """The GPUs this process may use: the ``CUDA_VISIBLE_DEVICES`` entries, else
    ``0 .. torch.cuda.device_count() - 1`` (empty without GPUs)."""
    listed = os.environ.get('CUDA_VISIBLE_DEVICES')
    if listed is not None:
        return [device.strip() for device in listed.split(',') if device.strip()]
    import torch
    return [str(index) for index in range(torch.cuda.device_count())]


def worker_command(run: RunSpec, parent_pid: Optional[int] = None) -> List[str]:
    """The command line of a run's worker process."""
    command = [sys.executable, '-m', 'rleseg.benchmark.worker', '--run', run.to_json()]
    if parent_pid is not None:
        command += ['--parent-pid', str(parent_pid)]
    return command


def thread_env(threads: Optional[int]) -> Dict[str, str]:
    """Environment variables that cap OpenMP / MKL threads (none for ``None``)."""
    if threads is None:
        return {}
    return {'OMP_NUM_THREADS': str(threads), 'MKL_NUM_THREADS': str(threads)}


def failed_record(run: RunSpec, error: str) -> Dict[str, Any]:
    """The record of a run whose worker ended without writing one."""
    return dict(name=run.name, config=run.config, seed=run.seed, fold=run.fold,
                status=STATUS_FAILED, error=error)


def ended_record(run: RunSpec, failure: Optional[str]) -> Dict[str, Any]:
    """The record of a run whose worker has ended: the one it wrote, or, when it failed
    (``failure``: why) without recording it, a failed record saying so."""
    record = read_json(record_path(run.model_dir)) or {}
    if failure is not None and record.get('status') != STATUS_FAILED:
        record = failed_record(run, failure)
    return record


def last_line(path: str) -> str:
    """The last non-empty line of a text file ('' when there is none)."""
    if not osp.isfile(path):
        return ''
    with open(path, encoding='utf-8', errors='replace') as file:
        lines = [line.strip() for line in file if line.strip()]
    return lines[-1] if lines else ''


def show_progress(progress: Progress, index: int, run: RunSpec) -> None:
    """Show the phase a running run's worker last wrote (nothing before it writes)."""
    try:
        state = read_json(progress_path(run.model_dir))
    except (OSError, ValueError):  # being replaced right now
        return
    if state:
        progress.update(index, state['phase'], state['step'], state['total'])


def clear_progress(run: RunSpec) -> None:
    """Remove a previous worker's progress file before a run starts."""
    path = progress_path(run.model_dir)
    if osp.exists(path):
        os.remove(path)


class LocalLauncher:
    """Worker processes on this machine, up to ``jobs`` at once.

    Args:
        jobs: runs at the same time (``--jobs``).
        threads: torch / OpenMP threads of each run (None: ``cores // jobs`` when
            ``jobs > 1``, the process default with one job).
        gpus: GPU ids handed out round-robin, one per slot (None: the visible GPUs;
            empty: CPU).
        poll_s: seconds between looks at the running workers.
    """

    def __init__(self, jobs: int = 1, threads: Optional[int] = None,
                 gpus: Optional[Sequence[str]] = None, poll_s: float = 0.5) -> None:
        if jobs < 1:
            raise ConfigError(f'--jobs must be at least 1, got {jobs}')
        if threads is not None and threads < 1:
            raise ConfigError(f'--threads-per-run must be at least 1, got {threads}')
        self.jobs = jobs
        self.threads = threads if threads is not None else (
            thread_share(jobs) if jobs > 1 else None)
        self.gpus = list(visible_gpus() if gpus is None else gpus)
        self.poll_s = poll_s

    def prepare(self, run: RunSpec, slot: int) -> Tuple[RunSpec, Dict[str, str]]:
        """The run as its worker gets it in ``slot`` and the environment it adds."""
        env = thread_env(self.threads)
        if self.gpus:
            env['CUDA_VISIBLE_DEVICES'] = self.gpus[slot % len(self.gpus)]
        return dataclasses.replace(run, threads=self.threads), env

    def describe(self, runs: IndexedRuns) -> List[str]:
        """What :meth:`launch` would start: one line per run and its command (the
        first ``jobs`` slots in order; later runs take the slot that frees first)."""
        where = (f'GPUs {",".join(self.gpus)} round-robin' if self.gpus
                 else f'{self.threads or "default"} threads each')
        lines = [f'local: {len(runs)} runs, {self.jobs} at a time, {where}']
        for position, (index, run) in enumerate(runs):
            prepared, env = self.prepare(run, position % self.jobs)
            command = ' '.join(f'{k}={v}' for k, v in sorted(env.items()))
            lines += [f'[{index + 1}] {run.label} -> {run.model_dir}',
                      '    ' + (command + ' ' if command else '')
                      + shlex.join(worker_command(prepared))]
        return lines

    def launch(self, runs: IndexedRuns, progress: Progress) -> Dict[int, Dict[str, Any]]:
        """Run every run (up to ``jobs`` at once); return ``{index: record}``."""
        queue = list(runs)
        free = list(range(self.jobs))
        active: Dict[int, Tuple[RunSpec, subprocess.Popen, int]] = {}
        records: Dict[int, Dict[str, Any]] = {}
        try:
            while queue or active:
                while queue and free:
                    index, run = queue.pop(0)
                    slot = free.pop(0)
                    active[index] = self._start(run, slot) + (slot, )
                    progress.start(index, run.label)
                    progress.update(index, 'starting')
                for index, (run, process, slot) in list(active.items()):
                    if process.poll() is None:
                        show_progress(progress, index, run)
                        continue
                    del active[index]
                    free.append(slot)
                    records[index] = ended_record(run, self._failure(run, process))
                    progress.finish(index, outcome(records[index]))
                if active:
                    time.sleep(self.poll_s)
        except BaseException:
            for _, process, _ in active.values():
                process.terminate()
            for _, process, _ in active.values():
                process.wait()
            raise
        return records

    def _start(self, run: RunSpec, slot: int) -> Tuple[RunSpec, subprocess.Popen]:
        os.makedirs(run.model_dir, exist_ok=True)
        clear_progress(run)
        prepared, env = self.prepare(run, slot)
        with open(osp.join(run.model_dir, WORKER_LOG), 'ab') as log:
            process = subprocess.Popen(worker_command(prepared, os.getpid()), stdout=log,
                                       stderr=subprocess.STDOUT,
                                       env={**os.environ, **env})
        return run, process

    @staticmethod
    def _failure(run: RunSpec, process: subprocess.Popen) -> Optional[str]:
        if process.returncode == 0:
            return None
        if process.returncode == EXIT_BUSY:  # the holder's record stays as it is
            return last_line(osp.join(run.model_dir, WORKER_LOG))
        return f'worker exited with code {process.returncode}'
