"""The grid under every launcher gives the runs of a sequential grid: local workers
with ``--jobs 2``, submitit's local executor (the Slurm launcher's code path without
Slurm), a pre-empted task that is requeued, and two launchers on one work dir.

One tiny grid (UNet, 4 iterations, a checkpoint every 2, seeds 0 and 1, 1 thread per
run) is run one run at a time once for the module and compared with the others.
"""
import io
import json
import os
import re
import signal
import threading
import time
from pathlib import Path

import pytest
import torch

from rleseg.benchmark import BenchmarkSettings, resolve_models, run_benchmark, run_models
from rleseg.benchmark.launchers import LocalLauncher
from rleseg.benchmark.submitit_launcher import SubmititLauncher
from rleseg.engine.checkpoint import load_checkpoint_safely

REPO = Path(__file__).resolve().parents[2]
OPTIONS = {'default_hooks.checkpoint.interval': 2, 'default_hooks.checkpoint.max_keep_ckpts': 3}


def _settings(work_dir, seeds=(0, 1)):
    return BenchmarkSettings(work_dir=str(work_dir), iters=4, seeds=list(seeds),
                             cfg_options=OPTIONS, latency_repeats=1, num_vis=1, demo=True)


def _models():
    return resolve_models(None, ['unet_ipsc_tiny'])[0]


def _submitit(work_dir, **kwargs):
    return SubmititLauncher(str(work_dir / 'submitit'), cluster='local', gpus_per_run=0,
                            cpus_per_run=1, time_min=10, poll_s=0.5, **kwargs)


def _scores(record):
    """What must not depend on the launcher: the scores on both splits."""
    evaluation = record['eval']
    return evaluation['metrics'], evaluation['val']['metrics'], record['train']['iters']


def _weights(run_dir):
    return load_checkpoint_safely(str(run_dir / 'iter_4.pth'),
                                  map_location='cpu')['state_dict']


def _trainings(run_dir):
    """How many mmengine runners ran in a run folder (one timestamped folder each)."""
    return len([p for p in run_dir.iterdir() if re.fullmatch(r'\d{8}_\d{6}', p.name)])


@pytest.fixture(scope='module')
def sequential(tmp_path_factory):
    """The grid one run at a time, 1 thread per run: ``(work_dir, records)``."""
    work = tmp_path_factory.mktemp('sequential')
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(REPO)  # the demo configs' data_root is relative
        records = run_models(_models(), _settings(work),
                             launcher=LocalLauncher(jobs=1, threads=1, gpus=[]),
                             stream=io.StringIO())
    assert [r['status'] for r in records] == ['done', 'done'], records
    return work, records


def test_two_jobs_score_as_one_at_a_time(sequential, tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    stream = io.StringIO()
    records = run_models(_models(), _settings(tmp_path),
                         launcher=LocalLauncher(jobs=2, threads=1, gpus=[]), stream=stream)
    assert [_scores(r) for r in records] == [_scores(r) for r in sequential[1]]
    assert [r['launch']['threads'] for r in records] == [1, 1]
    assert [r['seed'] for r in records] == [0, 1]
    finished = [line for line in stream.getvalue().splitlines()
                if ': done, val mDice' in line and ', test mDice' in line]
    assert sorted(line.split(':')[0] for line in finished) == [
        '[1/2] unet_ipsc_tiny seed 0', '[2/2] unet_ipsc_tiny seed 1']


def test_submitit_local_gives_the_sequential_table_and_a_preempted_task_resumes(
        sequential, tmp_path, monkeypatch):
    """Seed 0's task gets SIGUSR2 (what Slurm sends before a time limit or
    pre-emption) after its first checkpoint: submitit requeues it with the same run,
    which resumes and ends with the uninterrupted run's weights."""
    monkeypatch.chdir(REPO)
    run_dir = tmp_path / 'unet_ipsc_tiny' / 'seed_0'
    signalled = []

    def preempt():
        deadline = time.time() + 300
        while not (run_dir / 'iter_2.pth').is_file() and time.time() < deadline:
            time.sleep(0.05)
        pid = int((run_dir / '.worker.lock').read_text().split()[1])
        os.kill(pid, signal.SIGUSR2)
        signalled.append(pid)

    thread = threading.Thread(target=preempt, daemon=True)
    thread.start()
    stream = io.StringIO()
    result = run_benchmark(_models(), _settings(tmp_path), stream=stream,
                           launcher=_submitit(tmp_path))
    thread.join(timeout=1)
    assert result.ok and signalled, stream.getvalue()
    assert [_scores(r) for r in result.records] == [_scores(r) for r in sequential[1]]
    straight = _weights(sequential[0] / 'unet_ipsc_tiny' / 'seed_0')
    resumed = _weights(run_dir)
    assert all(torch.equal(straight[key], resumed[key]) for key in straight)
    logs = ''.join(p.read_text() for p in (tmp_path / 'submitit').glob('*_log.*'))
    assert 'Requeued job' in logs  # submitit's checkpoint / requeue path ran
    assert _trainings(run_dir) == 2  # interrupted, then resumed

    def table(work):
        lines = (work / 'benchmark_ipsc_demo.md').read_text().splitlines()
        row = next(line for line in lines if line.startswith('| unet_ipsc_tiny'))
        header = next(line for line in lines if line.startswith('| model'))
        cells = dict(zip(header.split('|'), row.split('|')))
        return {k.strip(): v.strip() for k, v in cells.items() if 'mDice' in k or 'mIoU' in k}

    run_benchmark(_models(), _settings(sequential[0]), stream=io.StringIO())  # table
    assert table(tmp_path) == table(sequential[0]) and table(tmp_path)
    jobs = json.loads((tmp_path / 'submitit' / 'jobs.json').read_text())
    assert sorted(jobs) == [str(run_dir), str(run_dir.parent / 'seed_1')]


def test_two_launchers_on_one_work_dir_train_a_run_once(tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    settings = _settings(tmp_path, seeds=(0, ))
    outcomes = {}

    def launch(name, launcher):
        outcomes[name] = run_models(_models(), settings, launcher=launcher,
                                    stream=io.StringIO())[0]

    threads = [threading.Thread(target=launch, args=args) for args in (
        ('local', LocalLauncher(jobs=1, threads=1, gpus=[])),
        ('submitit', _submitit(tmp_path)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert _trainings(tmp_path / 'unet_ipsc_tiny' / 'seed_0') == 1
    statuses = sorted(record['status'] for record in outcomes.values())
    assert statuses in (['done', 'done'], ['done', 'failed'])
    for record in outcomes.values():
        if record['status'] == 'failed':  # it found the folder held by the other one
            assert 'in use by pid' in record['error']
