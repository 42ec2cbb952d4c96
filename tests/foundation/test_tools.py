"""train -> checkpoint -> resume -> test through the command-line tools, and a
two-process CPU run of tools/dist_train.sh (gloo)."""
import argparse
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from mmengine.config import Config
from mmengine.registry import RUNNERS

from rleseg.datasets.prepare import prepare_demo
from rleseg.engine import (add_launcher_arguments, build_runner, load_checkpoint_safely,
                           parse_tool_args)

REPO = Path(__file__).resolve().parents[2]
CONFIG = 'configs/unet_ipsc_tiny.py'


@pytest.fixture(scope='module')
def data_root(tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp('data')
    prepare_demo(str(out))
    return str(out / 'ipsc_demo')


def _cfg_options(data_root: str, max_iters: int) -> list[str]:
    return [
        '--cfg-options', f'train_cfg.max_iters={max_iters}',
        f'train_cfg.val_interval={max_iters}', 'default_hooks.checkpoint.interval=2',
        'default_hooks.checkpoint.max_keep_ckpts=-1', 'default_hooks.logger.interval=1',
        'train_dataloader.batch_size=2', f'train_dataloader.dataset.data_root={data_root}',
        f'val_dataloader.dataset.data_root={data_root}',
        f'test_dataloader.dataset.data_root={data_root}'
    ]


def _run(args: list[str], env: dict | None = None) -> str:
    result = subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=600,
                            env={**os.environ, 'PYTHONUNBUFFERED': '1', **(env or {})})
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    return output


def test_train_resume_test_round_trip(tmp_path, data_root):
    work_dir = tmp_path / 'work'
    _run([sys.executable, 'tools/train.py', CONFIG, '--work-dir', str(work_dir),
          *_cfg_options(data_root, 2)])
    first = load_checkpoint_safely(str(work_dir / 'iter_2.pth'))  # weights_only=True
    assert first['meta']['iter'] == 2

    log = _run([sys.executable, 'tools/train.py', CONFIG, '--work-dir', str(work_dir),
                '--resume', *_cfg_options(data_root, 4)])
    assert 'resumed' in log.lower()
    assert 'Iter(train) [3/4]' in log and 'Iter(train) [1/4]' not in log
    resumed = load_checkpoint_safely(str(work_dir / 'iter_4.pth'))
    assert resumed['meta']['iter'] == 4
    # The loss history of all four iterations travelled through the checkpoints.
    losses, _ = resumed['message_hub']['log_scalars']['train/loss'].data
    assert len(losses) == 4

    out_dir = tmp_path / 'predictions'
    log = _run([sys.executable, 'tools/test.py', CONFIG, str(work_dir / 'iter_4.pth'),
                '--work-dir', str(tmp_path / 'test'), '--out', str(out_dir),
                *_cfg_options(data_root, 4)])
    assert 'mDice' in log and 'Iter(test)' in log
    test_items = (Path(data_root) / 'splits' / 'test.txt').read_text().split()
    written = [str(p.relative_to(out_dir).with_suffix('')) for p in out_dir.rglob('*.png')]
    assert sorted(written) == sorted(test_items)

    # --tta: the same checkpoint through the test-time-augmentation wrapper
    log = _run([sys.executable, 'tools/test.py', CONFIG, str(work_dir / 'iter_4.pth'),
                '--work-dir', str(tmp_path / 'tta'), '--tta', *_cfg_options(data_root, 4)])
    assert 'SegDihedralTTAModel' in log and 'mDice' in log and 'Iter(test)' in log


def test_test_tool_refuses_unsafe_checkpoint(tmp_path, data_root):
    evil = tmp_path / 'evil.pth'
    marker = tmp_path / 'pwned'
    code = ('import os, torch\n'
            'class Evil:\n'
            f'    def __reduce__(self): return (os.system, ("touch {marker}",))\n'
            f'torch.save({{"state_dict": {{}}, "meta": Evil()}}, "{evil}")\n')
    subprocess.run([sys.executable, '-c', code], check=True)
    result = subprocess.run(
        [sys.executable, 'tools/test.py', CONFIG, str(evil), '--work-dir',
         str(tmp_path / 'test'), *_cfg_options(data_root, 1)],
        cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode != 0
    assert 'refusing to load checkpoint' in result.stderr
    assert '--trust-checkpoint' in result.stderr
    assert not marker.exists()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def test_dist_train_two_cpu_processes(tmp_path, data_root):
    work_dir = tmp_path / 'dist'
    log = _run(['bash', 'tools/dist_train.sh', CONFIG, '2', '--work-dir', str(work_dir),
                *_cfg_options(data_root, 2)],
               env={'PYTHON': sys.executable, 'PORT': str(_free_port()),
                    'OMP_NUM_THREADS': '1'})
    assert 'Distributed training: True' in log
    assert "dist_cfg: {'backend': 'gloo'}" in log
    assert "model_wrapper_cfg = dict(type='CPUDistributedDataParallel')" in log
    assert load_checkpoint_safely(str(work_dir / 'iter_2.pth'))['meta']['iter'] == 2


def test_cpu_process_group_is_destroyed_at_exit():
    """A gloo group left alive into interpreter finalisation can abort the process
    (SIGABRT) after a successful run; the group rleseg starts is destroyed at exit."""
    code = (
        'import atexit, torch.distributed as dist\n'
        'from rleseg.engine import cpu_ddp\n'
        'registered = []\n'
        'atexit.register = lambda f, *a, **k: registered.append(f) or f\n'
        'assert cpu_ddp.init_cpu_distributed("pytorch") and dist.is_initialized()\n'
        'assert registered == [cpu_ddp.destroy_cpu_distributed]\n'
        'assert not cpu_ddp.init_cpu_distributed("pytorch")  # already running\n'
        'registered[0]()\n'
        'assert not dist.is_initialized()\n'
        'registered[0]()  # a second call is a no-op\n'
        'print("ok")\n')
    env = {**os.environ, 'RANK': '0', 'WORLD_SIZE': '1', 'LOCAL_RANK': '0',
           'MASTER_ADDR': '127.0.0.1', 'MASTER_PORT': str(_free_port())}
    result = subprocess.run([sys.executable, '-c', code], cwd=REPO, capture_output=True,
                            text=True, timeout=120, env=env)
    assert result.returncode == 0 and result.stdout.strip() == 'ok', result.stderr[-2000:]


def test_cpu_process_group_exit_waits_for_peers_but_not_forever():
    """At exit a rank waits for its peers before tearing gloo down (a peer torn down
    first can abort the other, SIGABRT, after a successful run), but a peer that never
    arrives (failed or hung) does not hold it: the wait is bounded by its timeout."""
    code = (
        'import os, sys, time, torch.distributed as dist\n'
        'from rleseg.engine import cpu_ddp\n'
        'assert cpu_ddp.init_cpu_distributed("pytorch")\n'
        'if os.environ["RANK"] == "1":\n'
        '    time.sleep(float(sys.argv[1]))  # never reaches the barrier in time\n'
        'start = time.monotonic()\n'
        'cpu_ddp.destroy_cpu_distributed(timeout_s=2)\n'
        'assert not dist.is_initialized()\n'
        'print(f"ok {time.monotonic() - start:.1f}")\n')
    port = str(_free_port())
    ranks = [subprocess.Popen(
        [sys.executable, '-c', code, '600' if rank else '0'], cwd=REPO, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**os.environ, 'RANK': str(rank), 'WORLD_SIZE': '2', 'LOCAL_RANK': str(rank),
             'MASTER_ADDR': '127.0.0.1', 'MASTER_PORT': port}) for rank in (0, 1)]
    try:  # a hang guard only (imports are slow on a loaded CPU); the bound is below
        out, err = ranks[0].communicate(timeout=300)
    finally:
        ranks[1].kill()
        ranks[1].communicate()
    assert ranks[0].returncode == 0 and out.startswith('ok '), err[-2000:]
    assert 2.0 <= float(out.split()[1]) < 30.0, out


def _fails_in_one_line(args: list[str], cwd=REPO, env: dict | None = None) -> str:
    """Run a tool that must fail: exit status 1, one ``error:`` line, no traceback."""
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=600,
                            env={**os.environ, **(env or {})})
    assert result.returncode == 1, result.stderr[-3000:]
    assert 'Traceback' not in result.stderr, result.stderr[-3000:]
    lines = [line for line in result.stderr.splitlines() if line.startswith('error: ')]
    assert len(lines) == 1, result.stderr[-3000:]
    return lines[0]


def test_headline_command_without_the_release_says_where_to_get_it(tmp_path):
    """`python tools/train.py configs/p2s_rle_ipsc.py` on a machine without IPSC (the
    config's relative data/ipsc does not exist under tmp_path)."""
    args = [sys.executable, str(REPO / 'tools/train.py'), str(REPO / 'configs/p2s_rle_ipsc.py'),
            '--work-dir', str(tmp_path / 'work')]
    line = _fails_in_one_line(args, cwd=tmp_path)
    for part in ("data_root 'data/ipsc' does not exist", 'abhineet123/ipsc_prediction',
                 'ipsc_data/roi_images_and_labels.zip', 'configs/p2s_rle_ipsc_tiny.py'):
        assert part in line, line
    debug = subprocess.run(args + ['--debug'], cwd=tmp_path, capture_output=True, text=True,
                           timeout=600)
    assert debug.returncode != 0 and 'Traceback' in debug.stderr


def test_test_tool_damaged_checkpoint_is_one_line(tmp_path, data_root):
    bad = tmp_path / 'iter_1.pth'
    bad.write_text('not a checkpoint')
    line = _fails_in_one_line([sys.executable, 'tools/test.py', CONFIG, str(bad),
                               '--work-dir', str(tmp_path / 'test'),
                               *_cfg_options(data_root, 1)])
    assert str(bad) in line and 'not a PyTorch checkpoint' in line


def test_non_finite_loss_stops_training_naming_the_iteration(tmp_path, data_root):
    """A zero normalisation std makes the inputs inf / NaN: the loss of iteration 1 is
    NaN, and training stops there without writing its checkpoint (interval 1)."""
    work_dir = tmp_path / 'work'
    options = _cfg_options(data_root, 4) + ['model.data_preprocessor.std=[0,0,0]',
                                            'default_hooks.checkpoint.interval=1']
    line = _fails_in_one_line([sys.executable, 'tools/train.py', CONFIG, '--work-dir',
                               str(work_dir), *options], env={'OMP_NUM_THREADS': '1'})
    assert 'is nan at iteration 1' in line, line
    assert not list(work_dir.glob('iter_*.pth'))


def test_launcher_options_export_local_rank(monkeypatch):
    """`--local-rank` becomes LOCAL_RANK unless the launcher already set it (mmseg)."""
    parser = argparse.ArgumentParser()
    add_launcher_arguments(parser)
    monkeypatch.delenv('LOCAL_RANK', raising=False)
    monkeypatch.setattr(sys, 'argv', ['train.py', '--launcher', 'pytorch', '--local-rank', '3'])
    args = parse_tool_args(parser)
    assert (args.launcher, os.environ['LOCAL_RANK']) == ('pytorch', '3')
    monkeypatch.setenv('LOCAL_RANK', '1')
    parse_tool_args(parser)
    assert os.environ['LOCAL_RANK'] == '1'


def test_build_runner_honours_runner_type():
    """A config's runner_type is built from mmengine's RUNNERS, as in mmseg's tools."""

    @RUNNERS.register_module(name='_RecordingRunnerForTest', force=True)
    class _RecordingRunner:
        @classmethod
        def from_cfg(cls, cfg):
            return cls()

    try:
        runner = build_runner(Config(dict(runner_type='_RecordingRunnerForTest')))
        assert isinstance(runner, _RecordingRunner)
    finally:
        RUNNERS.module_dict.pop('_RecordingRunnerForTest')
