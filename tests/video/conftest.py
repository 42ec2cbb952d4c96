"""Fixed seeds and one torch thread for every test here (see tests/conftest.py, which also
provides the generated demo data ``demo_root`` used by the config tests)."""
import pytest


@pytest.fixture(autouse=True)
def _seed_and_threads(seeded_single_thread):
    yield
