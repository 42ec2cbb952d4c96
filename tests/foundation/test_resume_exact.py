"""--resume continues the uninterrupted run exactly, also for a model that draws from
the torch random state while training (UNet's FCN heads use dropout)."""
import shutil
import subprocess
import sys
from pathlib import Path

import torch

from rleseg.engine import load_checkpoint_safely

REPO = Path(__file__).resolve().parents[2]


def _train(work: Path, data_root: str, *extra: str) -> None:
    options = ['train_cfg.max_iters=4', 'train_cfg.val_interval=4',
               'default_hooks.checkpoint.interval=2', 'default_hooks.checkpoint.max_keep_ckpts=2',
               f'train_dataloader.dataset.data_root={data_root}',
               f'val_dataloader.dataset.data_root={data_root}',
               f'test_dataloader.dataset.data_root={data_root}']
    result = subprocess.run(
        [sys.executable, 'tools/train.py', 'configs/unet_ipsc_tiny.py', '--work-dir',
         str(work), *extra, '--cfg-options', *options], cwd=REPO, capture_output=True,
        text=True, env={'OMP_NUM_THREADS': '1', 'PATH': '/usr/bin:/bin'})
    assert result.returncode == 0, result.stderr[-2000:]


def test_resumed_training_equals_the_uninterrupted_run(tmp_path, demo_root):
    straight, resumed = tmp_path / 'straight', tmp_path / 'resumed'
    _train(straight, demo_root)
    resumed.mkdir()
    shutil.copy(straight / 'iter_2.pth', resumed / 'iter_2.pth')  # killed after iter 2
    (resumed / 'last_checkpoint').write_text(str(resumed / 'iter_2.pth'))
    _train(resumed, demo_root, '--resume')
    a = load_checkpoint_safely(str(straight / 'iter_4.pth'))['state_dict']
    b = load_checkpoint_safely(str(resumed / 'iter_4.pth'))['state_dict']
    assert a.keys() == b.keys()
    assert [k for k in a if not torch.equal(a[k], b[k])] == []
    meta = load_checkpoint_safely(str(resumed / 'iter_4.pth'))['meta']
    assert meta['torch_rng_state']['cpu'].dtype == torch.uint8
