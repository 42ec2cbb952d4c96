"""``--launcher slurm``: the unfinished runs of a grid as one Slurm job array, through
submitit (``pip install 'rleseg[slurm]'``).

Each array task runs one run's worker in the task's process (:class:`RunJob`): the same
folder lock, resume rules, budget warm-up (on the node the task lands on) and record as a
local worker. A task that Slurm pre-empts or times out is requeued by submitit with the
same run (:meth:`RunJob.checkpoint`); the requeued task resumes from the run's last
mmengine checkpoint, as any interrupted run does. The job ids are kept in
``<folder>/jobs.json``: a rerun of the same command waits for a run's job that is still
queued or running instead of submitting it again.
"""
from __future__ import annotations

import dataclasses
import os
import os.path as osp
import shlex
import time
from typing import Any, Dict, List, Optional

from rleseg.engine.tool_errors import ConfigError

from .launchers import (IndexedRuns, clear_progress, ended_record, show_progress,
                        worker_command)
from .lock import ModelDirLock
from .progress import Progress, outcome
from .records import STATUS_SUBMITTED, atomic_write_json, read_json, record_path
from .settings import RunSpec

#: Slurm job states in which a job will still run (or runs): a rerun waits for it.
ACTIVE_STATES = frozenset({'PENDING', 'RUNNING', 'REQUEUED', 'CONFIGURING', 'COMPLETING',
                           'RESIZING', 'SUSPENDED', 'REQUEUE_HOLD', 'REQUEUE_FED'})
JOBS_NAME = 'jobs.json'
#: The rule above and below the task's traceback in submitit's ``FailedJobError``.
TRACE_RULE = '-' * 22


def import_submitit():
    """The submitit module, or a one-line error saying how to install it."""
    try:
        import submitit
    except ImportError:
        raise ConfigError("--launcher slurm needs submitit: pip install 'rleseg[slurm]' "
                          '(or pip install submitit)') from None
    return submitit


class RunJob:
    """What each array task runs: one run's worker, in the task's process.

    submitit calls :meth:`checkpoint` on pre-emption or timeout and requeues what it
    returns: the same run, which resumes from its last checkpoint.
    """

    def __call__(self, run_json: str) -> Dict[str, Any]:
        """Run it under its folder lock (another holder fails the task, naming it);
        return its record."""
        from .worker import record_run
        run = RunSpec.from_json(run_json)
        with ModelDirLock(run.model_dir):
            record_run(run)
        return read_json(record_path(run.model_dir)) or {}

    def checkpoint(self, run_json: str):
        """The submission that requeues this run (submitit's checkpointing)."""
        return import_submitit().helpers.DelayedSubmission(self, run_json)


class SubmititLauncher:
    """Every run as one task of one job array.

    Args:
        folder: submitit's folder (job scripts, pickles, logs, ``jobs.json``).
        cluster: ``'slurm'``, or ``'local'`` (submitit's local executor: processes on
            this machine, for tests and trials without Slurm).
        partition: Slurm partition (None: the cluster's default).
        gpus_per_run: GPUs of each task.
        cpus_per_run: CPU cores of each task (also its torch / OpenMP threads).
        time_min: time limit of each task in minutes (a task that reaches it is
            requeued and resumes).
        array_parallelism: tasks of the array running at once (None: submitit's
            default).
        sbatch: further ``#SBATCH`` options, ``{name: value}`` (e.g. ``account``,
            ``qos``, ``constraint``).
        wait: wait for the jobs and return their records; False returns at once (a
            later rerun or ``--eval-only`` collects the records).
        poll_s: seconds between looks at the jobs.
    """

    def __init__(self, folder: str, cluster: str = 'slurm', partition: Optional[str] = None,
                 gpus_per_run: int = 1, cpus_per_run: int = 4, time_min: int = 240,
                 array_parallelism: Optional[int] = None,
                 sbatch: Optional[Dict[str, str]] = None, wait: bool = True,
                 poll_s: float = 5.0) -> None:
        for option, value, least in (('--gpus-per-run', gpus_per_run, 0),
                                     ('--cpus-per-run', cpus_per_run, 1),
                                     ('--time-min', time_min, 1),
                                     ('--array-parallelism', array_parallelism or 1, 1)):
            if value < least:
                raise ConfigError(f'{option} must be at least {least}, got {value}')
        self.submitit = import_submitit()
        self.folder = osp.abspath(folder)
        self.cluster = cluster
        self.wait = wait
        self.poll_s = poll_s
        self.cpus_per_run = cpus_per_run
        self.parameters: Dict[str, Any] = dict(
            timeout_min=time_min, cpus_per_task=cpus_per_run, gpus_per_node=gpus_per_run,
            nodes=1, tasks_per_node=1, name='rleseg-benchmark')
        if partition:
            self.parameters['slurm_partition'] = partition
        if array_parallelism:
            self.parameters['slurm_array_parallelism'] = array_parallelism
        if sbatch:
            self.parameters['slurm_additional_parameters'] = dict(sbatch)

    def prepare(self, run: RunSpec) -> RunSpec:
        """The run as its task gets it: as many threads as the task has cores."""
        return dataclasses.replace(run, threads=self.cpus_per_run)

    def describe(self, runs: IndexedRuns) -> List[str]:
        """The array's parameters and, per run, its folder and the worker call its
        task makes (the same as ``python -m rleseg.benchmark.worker --run ...``)."""
        options = ', '.join(f'{key}={value}' for key, value in self.parameters.items())
        lines = [f'{self.cluster} (submitit): one job array of {len(runs)} tasks, '
                 f'{options}; folder {self.folder}']
        for index, run in runs:
            lines += [f'[{index + 1}] {run.label} -> {run.model_dir}',
                      '    ' + shlex.join(worker_command(self.prepare(run)))]
        return lines

    def launch(self, runs: IndexedRuns, progress: Progress) -> Dict[int, Dict[str, Any]]:
        """Submit the runs that have no live job; wait for all of them (``wait``)."""
        known = read_json(osp.join(self.folder, JOBS_NAME)) or {}
        jobs = {index: job for index, run in runs
                if (job := self._live_job(known.get(run.model_dir))) is not None}
        submit = [(index, run) for index, run in runs if index not in jobs]
        if submit:
            executor = self.submitit.AutoExecutor(folder=self.folder, cluster=self.cluster)
            executor.update_parameters(**self.parameters)
            for _, run in submit:
                os.makedirs(run.model_dir, exist_ok=True)
                clear_progress(run)
            submitted = executor.map_array(
                RunJob(), [self.prepare(run).to_json() for _, run in submit])
            jobs.update(zip((index for index, _ in submit), submitted))
            known.update({run.model_dir: job.job_id
                          for (_, run), job in zip(submit, submitted)})
            atomic_write_json(osp.join(self.folder, JOBS_NAME), known)
        progress.note(f'{len(submit)} runs submitted'
                      + (f' (job {submitted[0].job_id.split("_")[0]})' if submit else '')
                      + (f', {len(jobs) - len(submit)} still queued or running from '
                         'an earlier submission' if len(jobs) > len(submit) else '')
                      + f'; logs in {self.folder}')
        by_index = dict(runs)
        if not self.wait:
            return {index: dict(name=by_index[index].name, seed=by_index[index].seed,
                                fold=by_index[index].fold, status=STATUS_SUBMITTED,
                                job=job.job_id) for index, job in jobs.items()}
        return self._wait(jobs, by_index, progress)

    def _live_job(self, job_id: Optional[str]):
        """The job ``job_id`` when it is a Slurm job still queued or running."""
        if job_id is None or self.cluster != 'slurm':
            return None
        job = self.submitit.SlurmJob(folder=self.folder, job_id=job_id)
        return job if job.state in ACTIVE_STATES else None

    def _wait(self, jobs: Dict[int, Any], runs: Dict[int, RunSpec],
              progress: Progress) -> Dict[int, Dict[str, Any]]:
        records: Dict[int, Dict[str, Any]] = {}
        for index in jobs:
            progress.start(index, runs[index].label)
        while len(records) < len(jobs):
            for index, job in jobs.items():
                if index in records:
                    continue
                if not job.done():
                    show_progress(progress, index, runs[index])
                    continue
                records[index] = ended_record(runs[index], self._failure(job))
                progress.finish(index, outcome(records[index]))
            if len(records) < len(jobs):
                time.sleep(self.poll_s)
        return records

    @staticmethod
    def _failure(job) -> Optional[str]:
        """Why a finished job failed, in one line (None when it succeeded): the last
        line of the task's traceback (submitit's ``FailedJobError`` quotes it between
        two rules, above where the logs are)."""
        error = job.exception()
        if error is None:
            return None
        parts = str(error).split(TRACE_RULE)
        trace = parts[1] if len(parts) >= 3 else str(error)
        lines = [line.strip() for line in trace.splitlines() if line.strip()]
        return f'job {job.job_id}: ' + (lines[-1] if lines else type(error).__name__)
