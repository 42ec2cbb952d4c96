"""Model tests: fixed seeds, one torch thread.

On a small shared CPU, two intra-op threads competing with other processes make these
tiny-tensor workloads several times slower than one thread.
"""
import numpy as np
import pytest
import torch


@pytest.fixture(autouse=True)
def _seed_and_threads():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    np.random.seed(0)
    yield
    torch.set_num_threads(threads)
