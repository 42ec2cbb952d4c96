"""Damaged checkpoints are refused in one line naming the file; pretrained weights
download from a loopback server (never the real network) and load weights_only."""
import functools
import hashlib
import http.server
import os
import shutil
import threading

import numpy as np
import pytest
import torch
from mmengine.model import BaseModule
from mmengine.runner import CheckpointLoader

from rleseg.engine import (CheckpointError, UnsafeCheckpointError, load_checkpoint_safely,
                           verify_checkpoint_file)
from rleseg.engine import checkpoint as ckpt_module


class _RunsCommand:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))


def _state() -> dict:
    torch.manual_seed(0)
    return {'state_dict': {'layer.weight': torch.randn(64, 64), 'layer.bias': torch.randn(64)}}


def _saved(path) -> str:
    torch.save(_state(), path)
    return str(path)


def _one_line(error: pytest.ExceptionInfo, *parts: str) -> None:
    message = str(error.value)
    assert '\n' not in message
    for part in parts:
        assert part in message, message


@pytest.mark.parametrize('where', ['tensor', 'record header'])
def test_weights_overwritten_in_place_are_refused(tmp_path, where):
    """torch.load does not check the zip CRCs: bytes in a tensor used to load silently;
    over a record's header they raised an error that did not name the file."""
    path = _saved(tmp_path / 'model.pth')
    data = bytearray(open(path, 'rb').read())
    start = (data.index(b'layer.weight') + 4096 if where == 'tensor' else
             data.index(b'PK\x03\x04', 1000) - 100)
    data[start:start + 4096] = np.random.default_rng(0).bytes(4096)
    open(path, 'wb').write(bytes(data))
    with pytest.raises(CheckpointError) as error:
        CheckpointLoader.load_checkpoint(path)
    _one_line(error, path, 'damaged')


@pytest.mark.parametrize('damage', ['truncated', 'empty', 'text', 'directory'])
def test_unreadable_checkpoints_name_the_file(tmp_path, damage):
    path = str(tmp_path / 'model.pth')
    if damage == 'truncated':
        data = open(_saved(path), 'rb').read()
        open(path, 'wb').write(data[:len(data) // 2])
    elif damage == 'empty':
        open(path, 'wb').close()
    elif damage == 'text':
        open(path, 'w').write('epoch 12, not a checkpoint\n')
    else:
        os.mkdir(path)
    with pytest.raises(CheckpointError) as error:
        load_checkpoint_safely(path)
    _one_line(error, path, {'truncated': 'damaged', 'empty': 'empty',
                            'text': 'not a PyTorch checkpoint',
                            'directory': 'is a directory'}[damage])


def test_intact_and_legacy_checkpoints_load(tmp_path):
    path = _saved(tmp_path / 'model.pth')
    assert verify_checkpoint_file(path) == os.path.realpath(path)
    legacy = tmp_path / 'legacy.pth'
    torch.save(_state(), legacy, _use_new_zipfile_serialization=False)
    loaded = load_checkpoint_safely(str(legacy))
    assert torch.equal(loaded['state_dict']['layer.bias'], _state()['state_dict']['layer.bias'])


@pytest.fixture
def server(tmp_path, monkeypatch):
    """An HTTP server on 127.0.0.1 serving tmp_path/www; downloads cache in tmp_path."""
    www = tmp_path / 'www'
    www.mkdir()
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch_home'))
    for proxy in ('no_proxy', 'NO_PROXY'):            # never route loopback via a proxy
        monkeypatch.setenv(proxy, '127.0.0.1,localhost')
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(www))
    handler.log_message = lambda *args: None
    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield www, f'http://127.0.0.1:{httpd.server_address[1]}'
    httpd.shutdown()
    httpd.server_close()


def test_http_checkpoint_downloads_once_and_loads_weights_only(server, tmp_path):
    www, base = server
    _saved(www / 'tiny.pth')
    loaded = CheckpointLoader.load_checkpoint(f'{base}/tiny.pth')
    assert torch.equal(loaded['state_dict']['layer.weight'],
                       _state()['state_dict']['layer.weight'])
    cached = tmp_path / 'torch_home' / 'hub' / 'checkpoints' / 'tiny.pth'
    assert cached.is_file()
    os.remove(www / 'tiny.pth')                      # served from the cache now
    assert 'state_dict' in CheckpointLoader.load_checkpoint(f'{base}/tiny.pth')


def test_downloaded_malicious_pickle_is_refused_unexecuted(server, tmp_path):
    www, base = server
    marker = tmp_path / 'pwned'
    torch.save({'state_dict': {}, 'meta': _RunsCommand(str(marker))}, www / 'evil.pth')
    with pytest.raises(UnsafeCheckpointError) as error:
        CheckpointLoader.load_checkpoint(f'{base}/evil.pth')
    _one_line(error, 'system')
    assert not marker.exists()


def test_download_hash_in_the_file_name_is_verified(server):
    www, base = server
    path = _saved(www / 'model.pth')
    digest = hashlib.sha256(open(path, 'rb').read()).hexdigest()
    os.rename(path, www / f'good-{digest[:8]}.pth')
    shutil.copy(www / f'good-{digest[:8]}.pth', www / 'bad-deadbeef.pth')
    assert 'state_dict' in CheckpointLoader.load_checkpoint(f'{base}/good-{digest[:8]}.pth')
    with pytest.raises(CheckpointError) as error:
        CheckpointLoader.load_checkpoint(f'{base}/bad-deadbeef.pth')
    _one_line(error, 'bad-deadbeef.pth', 'could not download')


def test_model_zoo_names_resolve_through_mmengine(server, monkeypatch):
    """open-mmlab:// and torchvision:// names resolve with mmengine's tables (offline)
    and download like URLs (here redirected to the loopback server)."""
    assert ckpt_module.resolve_checkpoint_url('open-mmlab://resnet50_v1c').startswith(
        'https://')
    assert ckpt_module.resolve_checkpoint_url('torchvision://resnet50').startswith('https://')
    with pytest.raises(CheckpointError, match='no open-mmlab:// model named'):
        ckpt_module.resolve_checkpoint_url('open-mmlab://no_such_net')
    www, base = server
    _saved(www / 'zoo.pth')
    import mmengine.runner.checkpoint as mm_ckpt
    monkeypatch.setattr(mm_ckpt, 'get_external_models', lambda: {'zoo': f'{base}/zoo.pth'})
    monkeypatch.setattr(ckpt_module, '_torchvision_urls', lambda: {'zoo': f'{base}/zoo.pth'})
    for name in ('open-mmlab://zoo', 'torchvision://zoo'):
        assert 'state_dict' in CheckpointLoader.load_checkpoint(name)


@pytest.mark.parametrize('url', ['pavi://model.pth', 's3://bucket/model.pth',
                                 'mmcls://resnet50'])
def test_other_remote_schemes_are_refused(url):
    with pytest.raises(CheckpointError, match='local files, http'):
        CheckpointLoader.load_checkpoint(url)


class _Backbone(BaseModule):
    def __init__(self, width: int = 64, init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.layer = torch.nn.Linear(width, width)


def test_pretrained_init_from_a_url_and_a_prefix(server):
    www, base = server
    _saved(www / 'backbone.pth')
    net = _Backbone(init_cfg=dict(type='Pretrained', checkpoint=f'{base}/backbone.pth'))
    net.init_weights()
    assert torch.equal(net.layer.weight.data, _state()['state_dict']['layer.weight'])
    whole = {'state_dict': {f'backbone.{k}': v for k, v in _state()['state_dict'].items()}}
    torch.save(whole, www / 'model.pth')
    net = _Backbone(init_cfg=dict(type='Pretrained', checkpoint=f'{base}/model.pth',
                                  prefix='backbone.'))
    net.init_weights()
    assert torch.equal(net.layer.bias.data, _state()['state_dict']['layer.bias'])


@pytest.mark.parametrize('width,prefix,expected', [(32, None, 'another shape'),
                                                   (64, 'neck.', "no key starting with"),
                                                   (64, 'layer', 'parameters missing')])
def test_pretrained_checkpoint_that_does_not_fit_names_the_option(tmp_path, width, prefix,
                                                                  expected):
    """mmengine only warns and keeps random weights where the keys do not match."""
    path = _saved(tmp_path / 'backbone.pth')
    net = _Backbone(width, init_cfg=dict(type='Pretrained', checkpoint=path, prefix=prefix))
    with pytest.raises(CheckpointError) as error:
        net.init_weights()
    _one_line(error, 'init_cfg', path, '_Backbone', expected)
