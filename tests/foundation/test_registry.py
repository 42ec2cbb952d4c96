"""Importing rleseg registers its modules; configs resolve mmseg:: bases."""
from pathlib import Path

import pytest
from mmengine.config import Config
from mmseg.registry import HOOKS

import rleseg

REPO = Path(__file__).resolve().parents[2]


def test_version_and_engine_hooks_registered():
    assert rleseg.__version__
    assert HOOKS.get('SafeCheckpointHook') is rleseg.engine.SafeCheckpointHook
    assert HOOKS.get('PredictionWriterHook') is rleseg.engine.PredictionWriterHook


def test_default_runtime_inherits_mmseg_base():
    cfg = Config.fromfile(REPO / 'configs/_base_/default_runtime.py')
    assert cfg.default_scope == 'mmseg'
    assert cfg.custom_imports == dict(imports=['rleseg', 'mmdet.models'],
                                      allow_failed_imports=False)
    # Inherited from mmseg::_base_/default_runtime.py, not copied.
    assert cfg.log_processor == dict(by_epoch=False)
    assert cfg.visualizer.type == 'SegLocalVisualizer'
    assert dict(type='SafeCheckpointHook') in cfg.custom_hooks


@pytest.mark.parametrize('config', sorted(
    str(p.relative_to(REPO)) for p in (REPO / 'configs').glob('*.py')))
def test_every_top_level_config_resolves(config):
    cfg = Config.fromfile(REPO / config)
    assert cfg.default_scope == 'mmseg'
    assert 'rleseg' in cfg.custom_imports['imports']
    assert cfg.model.type
    assert cfg.get('load_from') in (None, '')
    if config.endswith('_tiny.py'):  # paper configs start from ImageNet weights
        text = cfg.pretty_text        # (tests/foundation/test_pretrained_configs.py)
        for remote in ('open-mmlab://', 'torchvision://', 'http://', 'https://'):
            assert remote not in text, f'{config} refers to a remote resource: {remote}'
