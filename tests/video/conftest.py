"""Fixed seeds and one torch thread (tiny tensors on a small shared CPU run several
times faster on one thread), and the generated demo data shared by the config tests."""
import numpy as np
import pytest
import torch

from rleseg.datasets import generate_ipsc


@pytest.fixture(autouse=True)
def _seed_and_threads():
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
