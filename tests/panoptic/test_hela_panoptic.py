"""The real HeLa frames for panoptic models (configs/_base_/datasets/hela_panoptic.py):
the frames of hela.py with their instance maps packed like the nuclei crops', scored by
the per-class metric and PQ, and one training step plus a PQ evaluation of each HeLa
panoptic component config (UNet, Mask2Former)."""
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.evaluator import Evaluator
from mmengine.optim import OptimWrapper
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS, MODELS

import rleseg  # noqa: F401  (registers the datasets, transforms and metrics)
from rleseg.benchmark import resolve_models
from rleseg.engine import load_config

REPO = Path(__file__).resolve().parents[2]
BASES = REPO / 'configs' / '_base_' / 'datasets'
COMPONENTS = ('unet', 'mask2former')

init_default_scope('mmseg')


def _config(path: Path) -> Config:
    return Config.fromfile(path, import_custom_modules=False)


def test_hela_panoptic_reads_the_frames_of_hela_with_instances():
    hela, panoptic = _config(BASES / 'hela.py'), _config(BASES / 'hela_panoptic.py')
    assert [m.type for m in panoptic.test_evaluator] == ['PerClassSegMetric',
                                                         'PanopticQualityMetric']
    nuclei = _config(BASES / 'nuclei_panoptic.py')
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        ours, theirs = panoptic[key].dataset, hela[key].dataset
        assert (ours.type, ours.data_root, ours.data_prefix) == (
            theirs.type, theirs.data_root, theirs.data_prefix)
        # the same steps as the nuclei crops' panoptic pipelines
        assert [t['type'] for t in ours.pipeline] == [
            t['type'] for t in nuclei[key].dataset.pipeline]


@pytest.mark.parametrize('key', ['train_dataloader', 'test_dataloader'])
def test_hela_panoptic_packs_instance_maps_that_cover_the_nuclei(key):
    dataset = DATASETS.build(_config(BASES / 'hela_panoptic.py')[key].dataset)
    assert len(dataset) == {'train_dataloader': 900, 'test_dataloader': 400}[key]
    ids_seen = 0
    for index in range(0, len(dataset), 50):
        sample = dataset[index]['data_samples']
        inst = sample.gt_instance_map.data.numpy()
        assert inst.shape == (1, 64, 64)
        assert np.array_equal(inst > 0, sample.gt_sem_seg.data.numpy() == 1)
        ids_seen = max(ids_seen, int(inst.max()))
    assert ids_seen > 1                     # frames with several nuclei


def _frames_with_nuclei(dataset, count: int) -> list:
    items = [dataset[i] for i in range(0, len(dataset), 7)]
    return [item for item in items
            if item['data_samples'].gt_instance_map.data.max() > 1][:count]


@pytest.mark.parametrize('model', COMPONENTS)
def test_hela_panoptic_component_takes_a_step_and_is_scored_for_pq(model):
    cfg = load_config(str(REPO / 'configs' / f'{model}_hela_panoptic_tiny.py'))
    torch.manual_seed(0)
    net = MODELS.build(cfg.model)
    net.train()
    before = [p.detach().clone() for p in net.parameters()]
    optim = OptimWrapper(torch.optim.AdamW(net.parameters(), lr=1e-3))
    batch = pseudo_collate(_frames_with_nuclei(DATASETS.build(cfg.train_dataloader.dataset),
                                               2))
    log = net.train_step(batch, optim)
    assert np.isfinite(float(torch.as_tensor(log['loss']).detach()))
    assert any(not torch.equal(a, b.detach()) for a, b in zip(before, net.parameters()))

    net.eval()
    test_set = DATASETS.build(cfg.test_dataloader.dataset)
    evaluator = Evaluator(cfg.test_evaluator)
    evaluator.dataset_meta = test_set.metainfo
    batch = pseudo_collate(_frames_with_nuclei(test_set, 2))
    with torch.no_grad():
        evaluator.process(net.test_step(batch), batch)
    metrics = evaluator.evaluate(2)
    assert metrics['pq_num_images'] == 2
    # every ground-truth nucleus is a true positive or a false negative
    nuclei = sum(len(np.unique(s.gt_instance_map.data)) - 1 for s in batch['data_samples'])
    assert metrics['TP_nucleus'] + metrics['FN_nucleus'] == nuclei


@pytest.mark.parametrize('suite', ['hela-panoptic', 'nuclei-panoptic'])
def test_panoptic_suites_score_every_model_on_one_split_by_pq(suite):
    """The token model, the mmdet instance models and the components, all on the same
    test split, all scored by PQ."""
    models, demo = resolve_models(suite)
    assert demo and [m.name.split('_')[0] for m in models] == [
        'p2s', 'maskrcnn', 'mask2former', 'mask2former', 'unet']
    splits = set()
    for model in models:
        cfg = load_config(model.config)
        dataset = cfg.test_dataloader.dataset
        splits.add((dataset.type, dataset.data_root, dataset.data_prefix.img_path))
        assert 'PanopticQualityMetric' in [m['type'] for m in cfg.test_evaluator]
    assert len(splits) == 1
