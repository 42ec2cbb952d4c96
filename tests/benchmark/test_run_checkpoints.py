"""``benchmark://<model>`` names the checkpoint another model trained in the same run."""
import pytest
from mmengine.config import Config

from rleseg.benchmark.records import atomic_write_json, record_path
from rleseg.benchmark.run_config import resolve_run_checkpoints
from rleseg.benchmark.settings import RunSpec


def _config():
    return Config(dict(model=dict(backbone=dict(init_cfg=dict(
        type='Pretrained', checkpoint='benchmark://mask2former_nuclei_tiny')))))


def _run(tmp_path, fold=None, seed=None):
    return RunSpec(name='p2s', config='p2s.py', work_dir=str(tmp_path), seed=seed,
                   fold=fold, num_folds=None if fold is None else 3)


@pytest.mark.parametrize('fold,seed', [(None, None), (None, 1), (2, 1)])
def test_the_same_runs_checkpoint_is_used(tmp_path, fold, seed):
    source = tmp_path / 'mask2former_nuclei_tiny'
    if fold is not None:
        source = source / f'fold_{fold}'
    if seed is not None:
        source = source / f'seed_{seed}'
    source.mkdir(parents=True)
    checkpoint = source / 'iter_200.pth'
    checkpoint.write_bytes(b'x')
    atomic_write_json(record_path(str(source)), dict(train=dict(checkpoint=str(checkpoint))))
    cfg = _config()
    resolve_run_checkpoints(cfg, _run(tmp_path, fold, seed))
    assert cfg.model.backbone.init_cfg.checkpoint == str(checkpoint)


def test_a_model_not_trained_in_the_run_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='no trained checkpoint of '
                       'mask2former_nuclei_tiny'):
        resolve_run_checkpoints(_config(), _run(tmp_path))
