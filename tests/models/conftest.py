"""Model tests run with fixed seeds and one torch thread (see tests/conftest.py)."""
import pytest


@pytest.fixture(autouse=True)
def _seed_and_threads(seeded_single_thread):
    yield
