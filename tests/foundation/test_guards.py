"""Run guards: a non-finite loss stops training in one line; every config gets the
guard; an ImageNet-style backbone checkpoint fits an mmseg ResNet."""
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from mmseg.models.backbones import ResNet

from rleseg.engine import (NonFiniteLossError, NonFiniteLossHook, load_config,
                           one_line_message)

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize('value', [float('nan'), float('inf'), torch.tensor(float('-inf'))])
def test_non_finite_loss_names_the_iteration(value):
    hook = NonFiniteLossHook()
    runner = SimpleNamespace(iter=16)
    hook.after_train_iter(runner, 0, outputs={'loss': torch.tensor(0.5), 'acc': float('nan')})
    with pytest.raises(NonFiniteLossError) as error:
        hook.after_train_iter(runner, 0, outputs={'loss': torch.tensor(0.5),
                                                  'decode.loss_ce': value})
    assert 'decode.loss_ce' in str(error.value) and 'iteration 17' in str(error.value)
    assert '\n' not in str(error.value)


def test_every_config_gets_the_guard_hook():
    for config in ('configs/p2s_rle_ipsc_tiny.py', 'configs/unet_ipsc_tiny.py'):
        cfg = load_config(str(REPO / config))
        types = [hook['type'] for hook in cfg.custom_hooks]
        assert types.count('NonFiniteLossHook') == 1 and 'SafeCheckpointHook' in types


def test_one_line_message_strips_wrappers():
    wrapped = ValueError('class `IPSCDataset` in rleseg/datasets/ipsc.py: label x.png is '
                         'damaged')
    assert one_line_message(wrapped) == 'label x.png is damaged'
    worker = ValueError('Caught DataError in DataLoader worker process 0.\nOriginal '
                        'Traceback (most recent call last):\n  File "a.py", line 1\n'
                        'rleseg.datasets.errors.DataError: label y.png is damaged\n')
    assert one_line_message(worker) == 'label y.png is damaged'


def test_imagenet_style_checkpoint_fits_an_mmseg_resnet(tmp_path):
    """What `torchvision://resnet50` gives an mmseg ResNet: the same keys plus a
    classifier (fc.*), which is ignored."""
    source = ResNet(depth=18, base_channels=8)
    state = {**source.state_dict(), 'fc.weight': torch.zeros(10, 64), 'fc.bias': torch.zeros(10)}
    path = tmp_path / 'resnet18_tiny.pth'
    torch.save(state, path)
    target = ResNet(depth=18, base_channels=8,
                    init_cfg=dict(type='Pretrained', checkpoint=str(path)))
    target.init_weights()
    assert torch.equal(target.conv1.weight, source.conv1.weight)
    assert torch.equal(target.layer4[1].conv2.weight, source.layer4[1].conv2.weight)
