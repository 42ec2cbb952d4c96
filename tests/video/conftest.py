"""Fixed seeds and one torch thread for every test here (see tests/conftest.py, which also
provides the generated demo data ``demo_root`` used by the config tests). mmseg is the
default registry scope, as the tools set it, so that model configs naming rleseg's data
preprocessor build when a file of this folder runs alone."""
import pytest
from mmengine.registry import init_default_scope

init_default_scope('mmseg')


@pytest.fixture(autouse=True)
def _seed_and_threads(seeded_single_thread):
    yield
