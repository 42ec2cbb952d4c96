"""Fixtures shared by several test folders."""
import numpy as np
import pytest
import torch

from rleseg.datasets import generate_ipsc


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
