"""--launcher slurm without a cluster: --no-wait returns once submitted (submitit's
local executor), a rerun waits for a run whose Slurm job is still queued instead of
submitting it again (Slurm's answers faked), and the job array's sbatch script carries
the options (stand-ins for srun and sbatch)."""
import io
import json
import os
import time
from pathlib import Path
from types import SimpleNamespace

from rleseg.benchmark import BenchmarkSettings, resolve_models, run_benchmark, run_models
from rleseg.benchmark.lock import ModelDirLock
from rleseg.benchmark.records import atomic_write_json, read_json, record_path
from rleseg.benchmark.submitit_launcher import JOBS_NAME, SubmititLauncher

REPO = Path(__file__).resolve().parents[2]


def _done(run_dir, name='unet_ipsc_tiny', seed=0):
    atomic_write_json(record_path(str(run_dir)), dict(name=name, seed=seed, status='done',
                                                     eval=dict(metrics=dict(mDice=1.0))))


def test_no_wait_returns_once_submitted_and_writes_no_table(tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    settings = BenchmarkSettings(work_dir=str(tmp_path), train=False, seeds=[0])
    models, _ = resolve_models(None, ['unet_ipsc_tiny'])
    launcher = SubmititLauncher(str(tmp_path / 'submitit'), cluster='local',
                                gpus_per_run=0, cpus_per_run=1, wait=False)
    stream = io.StringIO()
    result = run_benchmark(models, settings, stream=stream, launcher=launcher)
    assert result.ok and [r['status'] for r in result.records] == ['submitted']
    assert result.tables == [] and not list(tmp_path.glob('benchmark_*'))
    assert 'run the same command again (or with --eval-only)' in stream.getvalue()
    run_dir = tmp_path / 'unet_ipsc_tiny' / 'seed_0'
    jobs = json.loads((tmp_path / 'submitit' / JOBS_NAME).read_text())
    assert jobs == {str(run_dir): result.records[0]['job']}
    deadline = time.time() + 300  # the job goes on without us: nothing to evaluate
    while (read_json(record_path(str(run_dir))) or {}).get('status') != 'failed':
        assert time.time() < deadline, 'the submitted job did not run'
        time.sleep(0.5)
    assert 'no checkpoint to evaluate' in read_json(record_path(str(run_dir)))['error']


def test_a_rerun_waits_for_a_queued_job_instead_of_submitting_it_again(tmp_path):
    settings = BenchmarkSettings(work_dir=str(tmp_path), seeds=[0, 1, 2])
    models, _ = resolve_models(None, ['unet_ipsc_tiny'])
    runs = [settings.run(models[0], seed=seed) for seed in (0, 1, 2)]
    launcher = SubmititLauncher(str(tmp_path / 'submitit'), poll_s=0.01)
    atomic_write_json(str(tmp_path / 'submitit' / JOBS_NAME),
                      {runs[0].model_dir: '7_0', runs[1].model_dir: '7_1'})
    states = {'7_0': 'PENDING', '7_1': 'FAILED'}  # seed 0 queued, seed 1 gone
    submitted = []

    class Job:
        def __init__(self, folder, job_id):
            self.job_id = job_id
            self.state = states.get(job_id, 'COMPLETED')

        def done(self):  # the job finished: its worker wrote the record
            _done(runs[int(self.job_id.split('_')[1])].model_dir,
                  seed=int(self.job_id.split('_')[1]))
            return True

        def exception(self):
            return None

    class Executor:
        def __init__(self, folder, cluster):
            assert cluster == 'slurm'

        def update_parameters(self, **parameters):
            assert parameters['cpus_per_task'] == 4 and parameters['timeout_min'] == 240

        def map_array(self, function, arguments):
            submitted.extend(json.loads(a)['seed'] for a in arguments)
            return [Job(None, f'8_{json.loads(a)["seed"]}') for a in arguments]

    launcher.submitit = SimpleNamespace(SlurmJob=Job, AutoExecutor=Executor)
    stream = io.StringIO()
    records = run_models(models, settings, launcher=launcher, stream=stream)
    assert submitted == [1, 2]  # not seed 0: its job is still queued
    assert [r['status'] for r in records] == ['done'] * 3
    assert '2 runs submitted (job 8), 1 still queued or running' in stream.getvalue()
    jobs = json.loads((tmp_path / 'submitit' / JOBS_NAME).read_text())
    assert jobs == {runs[0].model_dir: '7_0', runs[1].model_dir: '8_1',
                    runs[2].model_dir: '8_2'}


def test_the_array_is_one_sbatch_script_with_the_options(tmp_path, monkeypatch):
    """submitit's Slurm executor against stand-ins for ``srun`` and ``sbatch`` (which
    keeps the script it is given and answers with a job id)."""
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    (bin_dir / 'srun').write_text('#!/bin/sh\nexit 0\n')
    (bin_dir / 'sbatch').write_text(f'#!/bin/sh\ncp "$1" {tmp_path}/script.sh\n'
                                    'echo "Submitted batch job 4242"\n')
    for tool in ('srun', 'sbatch'):
        (bin_dir / tool).chmod(0o755)
    monkeypatch.setenv('PATH', f"{bin_dir}:{os.environ['PATH']}")
    settings = BenchmarkSettings(work_dir=str(tmp_path), seeds=[0, 1], iters=3)
    models, _ = resolve_models(None, ['unet_ipsc_tiny'])
    launcher = SubmititLauncher(str(tmp_path / 'submitit'), partition='gpu',
                                cpus_per_run=6, time_min=30, array_parallelism=2,
                                sbatch={'account': 'lab'}, wait=False)
    records = run_models(models, settings, launcher=launcher, stream=io.StringIO())
    assert [(r['status'], r['job']) for r in records] == [('submitted', '4242_0'),
                                                          ('submitted', '4242_1')]
    script = (tmp_path / 'script.sh').read_text().splitlines()
    for option in ('--array=0-1%2', '--partition=gpu', '--cpus-per-task=6',
                   '--gpus-per-node=1', '--time=30', '--account=lab', '--nodes=1',
                   '--job-name=rleseg-benchmark'):
        assert f'#SBATCH {option}' in script
    assert any(line.startswith('#SBATCH --signal=USR2@') for line in script)  # requeue


def test_a_task_that_finds_its_run_in_use_fails_naming_the_holder(tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    settings = BenchmarkSettings(work_dir=str(tmp_path), seeds=[0], iters=1)
    models, _ = resolve_models(None, ['unet_ipsc_tiny'])
    launcher = SubmititLauncher(str(tmp_path / 'submitit'), cluster='local',
                                gpus_per_run=0, cpus_per_run=1, poll_s=0.2)
    with ModelDirLock(str(tmp_path / 'unet_ipsc_tiny' / 'seed_0')):
        (record, ) = run_models(models, settings, launcher=launcher, stream=io.StringIO())
    assert record['status'] == 'failed'
    assert record['error'].startswith('job ')
    assert record['error'].endswith(f'ModelDirBusy: {tmp_path}/unet_ipsc_tiny/seed_0 is '
                                    f'in use by pid {os.getpid()} (a benchmark worker '
                                    'or tools/train.py still running); wait for it or '
                                    'stop it before '
                                    'running this model again')
