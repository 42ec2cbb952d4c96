"""Fixtures shared by several test folders.

``make test`` runs the suite in parallel with pytest-xdist, one process per core. Each
worker (and every process it starts) then uses one torch / OpenMP thread: two workers
with two intra-op threads each on two cores run several times slower than one thread
each. The demo data the repository configs read (``data/``, relative to the repository
root) is written once, by whichever worker gets there first, under a file lock.
"""
import copy
import fcntl
import os
from pathlib import Path
from typing import Callable, Dict, List

if os.environ.get('PYTEST_XDIST_WORKER'):
    os.environ['OMP_NUM_THREADS'] = os.environ['MKL_NUM_THREADS'] = '1'

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from mmengine.optim import OptimWrapper  # noqa: E402

from rleseg.benchmark.run import ensure_demo_data  # noqa: E402
from rleseg.datasets import generate_ipsc  # noqa: E402

REPO = Path(__file__).resolve().parents[1]

if os.environ.get('PYTEST_XDIST_WORKER'):
    torch.set_num_threads(1)


@pytest.fixture(scope='session', autouse=True)
def repository_demo_data() -> None:
    """Write the repository's ``data/`` (``tools/prepare_data.py``) once per test run,
    before any test reads it; parallel workers wait for the first one."""
    with open(REPO / '.demo-data.lock', 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            ensure_demo_data(str(REPO / 'data'))
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture
def seeded_single_thread():
    """Fixed seeds and one torch thread for the test, restored afterwards.

    On a small shared CPU, two intra-op threads competing with other processes make
    tiny-tensor workloads several times slower than one thread.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    np.random.seed(0)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope='session')
def demo_root(tmp_path_factory) -> str:
    """The demo IPSC set of tools/prepare_data.py (3 sequences x 24 frames)."""
    root = tmp_path_factory.mktemp('data') / 'ipsc_demo'
    generate_ipsc(str(root))
    return str(root)


def _memorise(model: torch.nn.Module, data: dict, steps: int, lr: float
              ) -> List[Dict[str, torch.Tensor]]:
    """Train ``model`` on one fixed batch: AdamW (no weight decay), one-cycle LR with
    10 % warm-up, gradients clipped at norm 1, through ``model.train_step`` (the
    batch is copied for every step). Returns the log of every step."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=steps,
                                                   pct_start=0.1)
    optim = OptimWrapper(optimizer, clip_grad=dict(max_norm=1.0))
    model.train()
    logs = []
    for _ in range(steps):
        logs.append(model.train_step(copy.deepcopy(data), optim))
        schedule.step()
    model.eval()
    return logs


def _without_regularisation(model_cfg) -> None:
    """Switch off, in place, the tiny token configs' levers against overfitting
    (dropout, drop-path, mask-grid memory): memorisation tests measure the capacity to
    fit, which those levers deliberately slow down."""
    model_cfg['memory_size'] = None
    for part in ('encoder', 'decoder'):
        model_cfg[part] = dict(model_cfg[part], dropout=0.0, drop_path=0.0)


@pytest.fixture
def without_regularisation() -> Callable[[dict], None]:
    """``without_regularisation(model_cfg)``: see :func:`_without_regularisation`."""
    return _without_regularisation


@pytest.fixture
def memorise() -> Callable[..., List[Dict[str, torch.Tensor]]]:
    """``memorise(model, data, steps, lr)``: the memorisation loop of the overfit tests."""
    return _memorise
