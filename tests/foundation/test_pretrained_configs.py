"""Paper-scale configs start from ImageNet weights (as mmseg's do); tiny configs, the
demo and the tests never download anything."""
from pathlib import Path

import pytest
from mmengine.config import Config

CONFIGS = Path(__file__).resolve().parents[2] / 'configs'
TINY = sorted(p for p in CONFIGS.rglob('*_tiny.py'))
PAPER = sorted(p for p in CONFIGS.glob('*.py') if not p.stem.endswith('_tiny'))


def _remote_strings(node, path=''):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _remote_strings(value, f'{path}.{key}')
    elif isinstance(node, (list, tuple)):
        for index, value in enumerate(node):
            yield from _remote_strings(value, f'{path}[{index}]')
    elif isinstance(node, str) and '://' in node and not node.startswith(
            'benchmark://'):  # a checkpoint trained in the same benchmark run, local
        yield path, node


@pytest.mark.parametrize('config', TINY, ids=lambda p: p.stem)
def test_tiny_configs_never_name_remote_weights(config):
    cfg = Config.fromfile(str(config)).to_dict()
    assert list(_remote_strings(cfg)) == []


@pytest.mark.parametrize('config', PAPER, ids=lambda p: p.stem)
def test_paper_configs_start_from_imagenet_except_unet(config):
    model = Config.fromfile(str(config)).model
    weights = model.get('pretrained') or (model.backbone.get('init_cfg') or {}).get(
        'checkpoint')
    if config.stem.startswith('unet'):
        assert weights is None  # mmseg has no ImageNet weights for its UNet encoder
    elif config.stem.startswith('deeplabv3plus'):
        assert weights == 'open-mmlab://resnet50_v1c'
    else:
        assert weights == 'torchvision://resnet50'
        assert model.backbone.init_cfg.type == 'Pretrained'
