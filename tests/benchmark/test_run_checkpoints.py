"""``benchmark://<model>`` names the checkpoint another model trained in the same run."""
import pytest
from mmengine.config import Config

from rleseg.benchmark.records import atomic_write_json, record_path
from rleseg.benchmark.worker import resolve_run_checkpoints


def _config():
    return Config(dict(model=dict(backbone=dict(init_cfg=dict(
        type='Pretrained', checkpoint='benchmark://mask2former_nuclei_tiny')))))


@pytest.mark.parametrize('seed', [None, 1])
def test_the_same_runs_checkpoint_is_used(tmp_path, seed):
    source = tmp_path / 'mask2former_nuclei_tiny'
    if seed is not None:
        source = source / f'seed_{seed}'
    source.mkdir(parents=True)
    checkpoint = source / 'iter_200.pth'
    checkpoint.write_bytes(b'x')
    atomic_write_json(record_path(str(source)), dict(train=dict(checkpoint=str(checkpoint))))
    model_dir = tmp_path / 'p2s' / (f'seed_{seed}' if seed is not None else '')
    cfg = _config()
    resolve_run_checkpoints(cfg, str(model_dir).rstrip('/'), seed)
    assert cfg.model.backbone.init_cfg.checkpoint == str(checkpoint)


def test_a_model_not_trained_in_the_run_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='no trained checkpoint of '
                       'mask2former_nuclei_tiny'):
        resolve_run_checkpoints(_config(), str(tmp_path / 'p2s'), None)
