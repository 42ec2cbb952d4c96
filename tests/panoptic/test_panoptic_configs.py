"""The panoptic configs build their models consistently with their pipelines, and the
tiny one trains and reports PQ / SQ / RQ next to the per-class scores."""
import os.path as osp
from glob import glob

import pytest
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmseg.registry import DATASETS, MODELS

import rleseg  # noqa: F401
from rleseg.engine import apply_train_options, load_config

init_default_scope('mmseg')
CONFIGS = sorted(glob('configs/p2s_rle_ipsc_panoptic*.py'))


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_panoptic_config_builds_its_model(path):
    cfg = load_config(path)
    model = MODELS.build(cfg.model)
    assert model.tokenizer.scheme == 'instance' and model.test_cfg['mode'] == 'whole'
    train, test = cfg.train_dataloader.dataset.pipeline, cfg.test_dataloader.dataset.pipeline
    assert model.data_preprocessor.tokenizer is model.tokenizer
    for pipeline in (train, test):
        loads = [t for t in pipeline if t['type'] == 'LoadSegAnnotations']
        assert loads[0]['with_instances'] and pipeline[-1]['type'] == 'PackRLESegInputs'
    assert [m['type'] for m in cfg.test_evaluator] == ['PerClassSegMetric',
                                                      'PanopticQualityMetric']


def test_tiny_panoptic_targets_have_one_group_per_cell(demo_root):
    cfg = load_config('configs/p2s_rle_ipsc_panoptic_tiny.py',
                      {'train_dataloader.dataset.data_root': demo_root})
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    model = MODELS.build(cfg.model)
    data = model.data_preprocessor(pseudo_collate([dataset[i] for i in (0, 5, 17)]),
                                   training=True)
    for sample in data['data_samples']:
        cells = sample.gt_instance_map.data.unique()
        stats = sample.metainfo['token_stats']
        assert stats['num_groups'] == int((cells > 0).sum()) > 0 and stats['truncated'] == 0


def test_tiny_panoptic_config_trains_and_reports_pq(tmp_path, demo_root):
    options = {f'{loader}.dataset.data_root': demo_root
               for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')}
    options.update({'train_cfg.max_iters': 2, 'train_cfg.val_interval': 2,
                    'default_hooks.checkpoint.interval': 2,
                    'default_hooks.logger.interval': 1,
                    'param_scheduler': [dict(type='ConstantLR', factor=1.0,
                                             by_epoch=False)]})
    cfg = apply_train_options(load_config('configs/p2s_rle_ipsc_panoptic_tiny.py', options,
                                          str(tmp_path / 'work')))
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.test()
    assert metrics['pq_num_images'] == metrics['num_images'] == 12
    assert 'aAcc' in metrics and all(0.0 <= metrics[k] <= 100.0 for k in ('PQ', 'SQ', 'RQ'))
    assert metrics['FN_ipsc'] + metrics['TP_ipsc'] > 0
