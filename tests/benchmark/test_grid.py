"""The grid without training: run specifications, folds, launch plans, --dry-run."""
import io
import json
import shlex

import pytest

from rleseg.benchmark import BenchmarkSettings, resolve_models, run_models
from rleseg.benchmark.launchers import LocalLauncher, thread_share, worker_command
from rleseg.benchmark.progress import Progress
from rleseg.benchmark.records import atomic_write_json, record_path
from rleseg.benchmark.settings import RunSpec
from rleseg.engine.tool_errors import ConfigError


def _done(run, dice=50.0):
    return dict(name=run.name, seed=run.seed, fold=run.fold, status='done',
                eval=dict(metrics=dict(mDice=dice)))


def test_a_run_travels_as_one_json_object():
    settings = BenchmarkSettings(work_dir='w', iters=5, seeds=[3], folds=2,
                                 cfg_options={'a.b': 1}, tta='flips')
    models, _ = resolve_models(None, ['unet_ipsc_tiny'])
    run = settings.run(models[0], fold=1, seed=3)
    assert RunSpec.from_json(run.to_json()) == run
    assert run.model_dir == 'w/unet_ipsc_tiny/fold_1/seed_3'
    assert run.num_folds == 2 and run.label == 'unet_ipsc_tiny fold 1 seed 3'
    command = worker_command(run, parent_pid=7)
    assert command[command.index('--run') + 1] == run.to_json()
    assert command[-2:] == ['--parent-pid', '7']
    with pytest.raises(ConfigError, match=r"--run: unknown keys \['itres'\]"):
        RunSpec.from_json(json.dumps(dict(json.loads(run.to_json()), itres=3)))
    with pytest.raises(ConfigError, match='--run: not a JSON object'):
        RunSpec.from_json('[1]')


def test_settings_are_checked_once_when_made():
    with pytest.raises(ConfigError, match='not both'):
        BenchmarkSettings(work_dir='w', iters=10, budget_minutes=1.0)
    with pytest.raises(ConfigError, match='--folds must be at least 2, got 1'):
        BenchmarkSettings(work_dir='w', folds=1)
    with pytest.raises(ConfigError, match='--jobs must be at least 1, got 0'):
        LocalLauncher(jobs=0, gpus=[])


def test_folds_and_seeds_make_one_run_each_in_table_order(tmp_path):
    settings = BenchmarkSettings(work_dir=str(tmp_path), seeds=[0, 1], folds=3)
    models, _ = resolve_models(None, ['unet_ipsc_tiny', 'deeplabv3plus_ipsc_tiny'])
    ran = []

    def runner(run):
        ran.append(run)
        record = _done(run)
        atomic_write_json(record_path(run.model_dir), record)
        return record

    records = run_models(models, settings, runner=runner, stream=io.StringIO())
    expected = [(m.name, f, s) for m in models for f in range(3) for s in (0, 1)]
    assert [(r['name'], r['fold'], r['seed']) for r in records] == expected
    assert [(r.name, r.fold, r.seed) for r in ran] == expected
    assert (tmp_path / 'deeplabv3plus_ipsc_tiny' / 'fold_2' / 'seed_1' /
            'benchmark_record.json').is_file()
    assert {r.num_folds for r in ran} == {3}
    ran.clear()
    stream = io.StringIO()
    run_models(models, settings, runner=runner, stream=stream)  # everything finished
    assert ran == [] and stream.getvalue().count('already done, skipped') == 12


def test_jobs_share_the_cores_and_hand_out_gpus_round_robin(tmp_path):
    assert thread_share(2, cores=2) == 1 and thread_share(3, cores=2) == 1
    assert thread_share(2, cores=16) == 8 and thread_share(1, cores=4) == 4
    run = BenchmarkSettings(work_dir=str(tmp_path)).run(
        resolve_models(None, ['unet_ipsc_tiny'])[0][0])
    cpu = LocalLauncher(jobs=2, threads=1, gpus=[])
    prepared, env = cpu.prepare(run, slot=1)
    assert prepared.threads == 1 and env == {'OMP_NUM_THREADS': '1',
                                             'MKL_NUM_THREADS': '1'}
    gpus = LocalLauncher(jobs=3, threads=2, gpus=['4', '6'])
    assert [gpus.prepare(run, slot)[1]['CUDA_VISIBLE_DEVICES'] for slot in range(3)] == \
        ['4', '6', '4']
    assert LocalLauncher(jobs=1, gpus=[]).prepare(run, 0) == (run, {})  # as before


def test_progress_of_runs_at_once_names_each_run():
    stream = io.StringIO()
    progress = Progress(3, stream)
    progress.start(0, 'a seed 0')
    progress.start(2, 'b seed 0')
    progress.update(0, 'train', 1, 4)
    progress.update(2, 'train', 2, 4)
    progress.update(0, 'train', 1, 4)  # same quarter: no new line
    progress.finish(2, 'done, mDice 50.0')
    progress.finish(0, 'failed: boom')
    lines = stream.getvalue().splitlines()
    assert [line.split(':')[0] for line in lines] == [
        '[1/3] a seed 0', '[3/3] b seed 0', '[3/3] b seed 0', '[1/3] a seed 0']
    assert 'train 2/4' in lines[1] and 'done, mDice 50.0' in lines[2]


def test_dry_run_prints_runs_and_commands_and_starts_nothing(tmp_path, benchmark_tool,
                                                             capsys):
    finished = tmp_path / 'unet_ipsc_tiny' / 'seed_0'
    atomic_write_json(record_path(str(finished)), dict(name='unet_ipsc_tiny', seed=0,
                                                       status='done'))
    code = benchmark_tool.main(['unet_ipsc_tiny', 'deeplabv3plus_ipsc_tiny', '--seeds',
                                '0', '1', '--iters', '3', '--jobs', '2', '--dry-run',
                                '--work-dir', str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert '[1/4] unet_ipsc_tiny seed 0: already done, skipped' in out
    assert 'local: 3 runs, 2 at a time' in out
    commands = [line.strip() for line in out.splitlines() if '-m rleseg.benchmark' in line]
    assert len(commands) == 3
    runs = [RunSpec.from_json(shlex.split(c)[shlex.split(c).index('--run') + 1])
            for c in commands]
    assert [(r.name, r.seed, r.iters) for r in runs] == [
        ('unet_ipsc_tiny', 1, 3), ('deeplabv3plus_ipsc_tiny', 0, 3),
        ('deeplabv3plus_ipsc_tiny', 1, 3)]
    assert all(c.startswith('MKL_NUM_THREADS=') for c in commands)
    assert not (tmp_path / 'deeplabv3plus_ipsc_tiny').exists()
    assert not list(tmp_path.glob('benchmark_*'))


def test_slurm_dry_run_describes_one_job_array(tmp_path, benchmark_tool, capsys):
    code = benchmark_tool.main(['unet_ipsc_tiny', '--seeds', '0', '1', '--launcher',
                                'slurm', '--partition', 'gpu', '--cpus-per-run', '6',
                                '--sbatch', 'account=lab', '--dry-run',
                                '--work-dir', str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert 'slurm (submitit): one job array of 2 tasks' in out
    assert "slurm_partition=gpu" in out and "'account': 'lab'" in out
    assert 'cpus_per_task=6' in out and out.count('"threads": 6') == 2
    assert not (tmp_path / 'submitit').exists()


def test_an_option_of_the_other_launcher_is_refused_in_one_line(tmp_path, benchmark_tool,
                                                                capsys):
    with pytest.raises(SystemExit) as exit_info:
        benchmark_tool.main(['unet_ipsc_tiny', '--no-wait', '--work-dir', str(tmp_path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert exit_info.value.code == 1 and len(err) == 1
    assert '--no-wait is an option of --launcher slurm' in err[0]


def test_iters_and_a_budget_together_are_refused_once_in_one_line(tmp_path,
                                                                 benchmark_tool, capsys):
    with pytest.raises(SystemExit) as exit_info:
        benchmark_tool.main(['unet_ipsc_tiny', '--iters', '3', '--budget-minutes', '1',
                             '--work-dir', str(tmp_path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert exit_info.value.code == 1 and len(err) == 1
    assert 'give --iters or --budget-minutes, not both' in err[0]


def test_a_run_that_starts_from_another_runs_checkpoint_waits_for_it(tmp_path):
    """``benchmark://mask2former_nuclei_tiny`` in a config: under any launcher that
    model's run (same seed) finishes first, even when it is listed later."""
    models, _ = resolve_models(None, [
        'p2s_ablation/p2s_rle_nuclei_reg_grid_m2f_backbone_tiny', 'unet_nuclei_tiny',
        'mask2former_nuclei_tiny'])
    settings = BenchmarkSettings(work_dir=str(tmp_path), seeds=[0, 1])
    atomic_write_json(record_path(str(tmp_path / 'mask2former_nuclei_tiny' / 'seed_1')),
                      dict(name='mask2former_nuclei_tiny', seed=1, status='done'))
    order = []

    def runner(run):
        order.append((run.name, run.seed))
        return _done(run)

    records = run_models(models, settings, runner=runner, stream=io.StringIO())
    backbone = 'p2s_rle_nuclei_reg_grid_m2f_backbone_tiny'
    assert order == [(backbone, 1), ('unet_nuclei_tiny', 0), ('unet_nuclei_tiny', 1),
                     ('mask2former_nuclei_tiny', 0), (backbone, 0)]
    assert [(r['name'], r['seed']) for r in records] == [
        (m.name, s) for m in models for s in (0, 1)]  # the table keeps its order


def test_configs_that_start_from_each_other_are_refused(tmp_path):
    config = tmp_path / 'selfish.py'
    config.write_text("model = dict(init_cfg=dict(checkpoint='benchmark://selfish'))\n")
    models, _ = resolve_models(None, [str(config)])
    with pytest.raises(ConfigError, match='name each other in a circle: selfish -> '
                       'selfish'):
        run_models(models, BenchmarkSettings(work_dir=str(tmp_path)),
                   runner=lambda run: _done(run), stream=io.StringIO())


def test_dry_run_shows_the_runs_that_wait_for_a_checkpoint_last(tmp_path, benchmark_tool,
                                                                 capsys):
    code = benchmark_tool.main(['p2s_ablation/p2s_rle_nuclei_reg_grid_m2f_backbone_tiny',
                                'mask2former_nuclei_tiny', '--launcher', 'slurm',
                                '--dry-run', '--work-dir', str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0, out
    first, then = out.split('then, once those are done')
    assert 'one job array of 1 tasks' in first and '] mask2former_nuclei_tiny' in first
    assert 'one job array of 1 tasks' in then and '] p2s_rle_nuclei_reg_grid_m2f' in then


def test_an_unreadable_config_fails_its_own_runs_only(tmp_path):
    broken = tmp_path / 'broken.py'
    broken.write_text('model = dict(\n')
    models, _ = resolve_models(None, [str(broken), 'unet_ipsc_tiny'])
    ran = []
    run_models(models, BenchmarkSettings(work_dir=str(tmp_path)),
               runner=lambda run: ran.append(run.name) or _done(run), stream=io.StringIO())
    assert ran == ['broken', 'unet_ipsc_tiny']  # planned; the worker reports the error


def test_on_a_terminal_the_running_runs_share_one_redrawn_line():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    stream = Terminal()
    progress = Progress(2, stream)
    progress.start(0, 'a')
    progress.start(1, 'b')
    progress.update(0, 'train', 3, 10)
    progress.update(1, 'test', 1, 4)
    progress.finish(0, 'done')
    frames = stream.getvalue().split('\r\033[K')
    assert frames[2].startswith('[1/2] a: train 3/10 · [2/2] b: test 1/4 | overall ')
    assert frames[-1].startswith('[1/2] a: done (') and frames[-1].endswith(')\n')


def test_a_finished_run_whose_config_resolves_differently_runs_again(tmp_path):
    """Issue: a composed config rebuilt for a new data root was skipped as done."""
    from pathlib import Path
    repo = Path(__file__).resolve().parents[2]
    config = tmp_path / 'mine.py'
    base = f"_base_ = [{str(repo / 'configs/unet_ipsc_tiny.py')!r}]\n"
    config.write_text(base + 'train_dataloader = dict(batch_size=2)\n')
    models, _ = resolve_models(None, [str(config)])
    settings = BenchmarkSettings(work_dir=str(tmp_path / 'bench'))
    ran = []

    def runner(run):
        ran.append(run.name)
        record = dict(_done(run), settings=run.recorded())
        atomic_write_json(record_path(run.model_dir), record)
        return record

    run_models(models, settings, runner=runner, stream=io.StringIO())
    config.write_text(base + '# a comment changes nothing it resolves to\n'
                      'train_dataloader = dict(batch_size=2)\n')
    stream = io.StringIO()
    run_models(models, settings, runner=runner, stream=stream)
    assert ran == ['mine'] and 'already done, skipped' in stream.getvalue()
    config.write_text(base + 'train_dataloader = dict(batch_size=3)\n')
    stream = io.StringIO()
    run_models(models, settings, runner=runner, stream=stream)
    assert ran == ['mine', 'mine'] and 'resolves differently' in stream.getvalue()
    kept = tmp_path / 'bench' / 'mine.replaced_1' / 'benchmark_record.json'
    assert kept.is_file()     # the earlier run is set aside, not deleted
