"""--folds: each fold's run trains on the training items outside its fold and is
validated on the fold; the test split is the config's own."""
from pathlib import Path

import pytest
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS

from rleseg.benchmark.run_config import build_benchmark_config
from rleseg.benchmark.settings import BenchmarkSettings, RunSpec
from rleseg.benchmark.suites import resolve_models
from rleseg.benchmark.validation import VAL_SPLIT_KEY
from rleseg.datasets.errors import DataError

REPO = Path(__file__).resolve().parents[2]


def _items(dataset_cfg):
    init_default_scope('mmseg')
    dataset = DATASETS.build(dataset_cfg)
    return {Path(dataset.get_data_info(i)['img_path']).name for i in range(len(dataset))}


def test_fold_runs_partition_the_training_items_and_keep_the_test_split(tmp_path,
                                                                        monkeypatch):
    monkeypatch.chdir(REPO)  # data/nuclei is relative
    settings = BenchmarkSettings(work_dir=str(tmp_path), folds=2, seeds=[0])
    spec = resolve_models(None, ['unet_nuclei_tiny'])[0][0]
    plain = build_benchmark_config(RunSpec(spec.name, spec.config, str(tmp_path)), 5)
    training = _items(plain.train_dataloader.dataset)
    validation = set()
    for fold in range(2):
        run = settings.run(spec, fold=fold, seed=0)
        assert run.model_dir == str(tmp_path / 'unet_nuclei_tiny' / f'fold_{fold}' /
                                    'seed_0')
        cfg = build_benchmark_config(run, 5)
        train = _items(cfg.train_dataloader.dataset)
        val = _items(cfg[VAL_SPLIT_KEY]['dataloader']['dataset'])
        assert train and val and not train & val and train | val == training
        assert not validation & val  # each training item is validated in one fold
        validation |= val
        assert cfg.test_dataloader == plain.test_dataloader
        assert cfg.train_dataloader.dataset.pipeline == \
            plain.train_dataloader.dataset.pipeline
        assert cfg[VAL_SPLIT_KEY]['dataloader']['dataset']['pipeline'] == \
            plain[VAL_SPLIT_KEY]['dataloader']['dataset']['pipeline']
    assert validation == training
    assert not training & _items(plain.test_dataloader.dataset)


def test_a_fold_past_the_folds_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    spec = resolve_models(None, ['unet_nuclei_tiny'])[0][0]
    run = RunSpec(spec.name, spec.config, str(tmp_path), fold=2, num_folds=2)
    with pytest.raises(DataError, match='fold 2 is outside 0..1'):
        _items(build_benchmark_config(run, 5).train_dataloader.dataset)
