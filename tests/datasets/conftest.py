"""Generated datasets shared by the data tests (written once per session)."""
import pytest
from mmengine.registry import init_default_scope

from rleseg.datasets import generate_aris, generate_ipsc

# Dataset pipelines are built from mmengine's root registry; as under the runner
# (default_scope='mmseg'), resolve transform names in mmseg's scope.
init_default_scope('mmseg')


@pytest.fixture(scope='session')
def ipsc_root(tmp_path_factory) -> str:
    """The demo IPSC set: 3 sequences x 24 frames, sequence index 2 XML-only."""
    root = tmp_path_factory.mktemp('ipsc') / 'ipsc_demo'
    generate_ipsc(str(root))
    return str(root)


@pytest.fixture(scope='session')
def aris_root(tmp_path_factory) -> str:
    """The demo ARIS set: 50 images, paper splits."""
    root = tmp_path_factory.mktemp('aris') / 'aris_demo'
    generate_aris(str(root))
    return str(root)


@pytest.fixture
def small_ipsc(tmp_path) -> str:
    """A fresh 1-sequence, 8-frame IPSC set that a test may damage."""
    root = tmp_path / 'ipsc'
    generate_ipsc(str(root), num_sequences=1, num_frames=8, xml_only=(),
                  split_ranges={'test': (0, 4), 'train': (4, 8)})
    return str(root)


@pytest.fixture
def small_aris(tmp_path) -> str:
    """A fresh 6-image ARIS set that a test may damage."""
    root = tmp_path / 'aris'
    generate_aris(str(root), num_images=6, split_ranges={'train_4': (0, 4), 'test': (4, 6)})
    return str(root)
