"""IPSC / ARIS dataset classes on generated data, configs, split identity."""
import copy
from pathlib import Path

import numpy as np
import pytest
from mmengine.config import Config
from mmseg.registry import DATASETS
from PIL import Image

import rleseg  # noqa: F401  (registers the datasets and transforms)
from rleseg.datasets import ARISDataset, IPSCDataset

REPO = Path(__file__).resolve().parents[2]
DATASET_BASES = REPO / 'configs' / '_base_' / 'datasets'
MODEL_BASES = [REPO / 'configs' / '_base_' / 'models' / f
               for f in ('unet_tiny.py', 'deeplabv3plus_tiny.py')]
LOAD = [dict(type='LoadImageFromFile'), dict(type='LoadSegAnnotations')]


def _load(path) -> Config:
    return Config.fromfile(path, import_custom_modules=False)


def _with_root(cfg: dict, root: str) -> dict:
    """Copy of a dataset config with every ``data_root`` replaced."""
    cfg = copy.deepcopy(cfg)
    if 'data_root' in cfg:
        cfg['data_root'] = root
    if isinstance(cfg.get('dataset'), dict):
        cfg['dataset'] = _with_root(cfg['dataset'], root)
    return cfg


def _items(ds_cfg: dict, root: str) -> list:
    ds = DATASETS.build(dict(_with_root(ds_cfg, root), pipeline=[]))
    return [ds.get_data_info(i).get('item', ds.get_data_info(i).get('items'))
            for i in range(len(ds))]


def test_ipsc_items_follow_split_and_sorted_frame_index(ipsc_root):
    ds = IPSCDataset(data_root=ipsc_root, ann_file='splits/test.txt')
    assert len(ds) == 12
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    assert [i['frame_index'] for i in infos] == [0, 1, 2, 3] * 3
    assert {i['label_format'] for i in infos} == {'index', 'voc_xml'}   # one XML-only seq
    assert ds.metainfo['classes'] == ('background', 'ipsc', 'diff')
    late = IPSCDataset(data_root=ipsc_root, ann_file='splits/train_late.txt')
    assert len(late) == 36 and late.get_data_info(0)['frame_index'] == 12


def test_ipsc_xml_and_png_give_the_same_masks_and_instances(ipsc_root):
    kw = dict(data_root=ipsc_root, ann_file='splits/train_early.txt', check_items='full')
    from_png = IPSCDataset(pipeline=LOAD, **kw)
    from_xml = IPSCDataset(pipeline=[LOAD[0], dict(type='LoadSegAnnotations',
                                                   with_instances=True)],
                           label_source='xml', **kw)
    assert {from_xml.get_data_info(i)['label_format'] for i in range(len(from_xml))} == {
        'voc_xml'}
    classes_seen = set()
    for i in range(len(from_png)):
        a, b = from_png[i], from_xml[i]
        assert a['gt_seg_map'].shape == a['img'].shape[:2]
        assert np.array_equal(a['gt_seg_map'], b['gt_seg_map'])
        assert np.array_equal(b['gt_instance_map'] > 0, b['gt_seg_map'] > 0)
        classes_seen |= set(np.unique(a['gt_seg_map']).tolist())
    assert classes_seen == {0, 1, 2}


def test_ipsc_demo_config_pipelines_pack_items(ipsc_root):
    cfg = _load(DATASET_BASES / 'ipsc_demo.py')
    train = DATASETS.build(_with_root(cfg.train_dataloader.dataset, ipsc_root))
    item = train[0]
    assert tuple(item['inputs'].shape) == (3, 64, 64)
    assert tuple(item['data_samples'].gt_sem_seg.data.shape) == (1, 64, 64)
    assert item['data_samples'].metainfo['patch_box'] == (0, 0, 64, 64)
    assert item['data_samples'].metainfo['sequence']
    val = DATASETS.build(_with_root(cfg.val_dataloader.dataset, ipsc_root))
    item = val[0]
    ori = item['data_samples'].metainfo['ori_shape']
    assert tuple(item['inputs'].shape) == (3, 64, 64)
    assert tuple(item['data_samples'].gt_sem_seg.data.shape) == (1, *ori)  # full resolution


def test_aris_loader_thresholds_anti_aliased_labels(aris_root):
    train = ARISDataset(data_root=aris_root, ann_file='splits/train_32.txt', pipeline=LOAD)
    test = ARISDataset(data_root=aris_root, ann_file='splits/test.txt')
    assert len(train) == 32 and len(test) == 18
    assert test.get_data_info(0)['item'] == 'img_33'
    for i in (0, 5):
        out = train[i]
        raw = np.array(Image.open(out['seg_map_path']))[..., 0]
        assert set(np.unique(out['gt_seg_map'])) <= {0, 1, 2}
        expected = (raw >= 64).astype(np.uint8) + (raw >= 192)
        assert np.array_equal(out['gt_seg_map'], expected)
        assert out['gt_seg_map'].shape == out['img'].shape[:2]


def test_demo_and_real_configs():
    roots = {'ipsc': ('data/ipsc', 'data/ipsc_demo'), 'aris': ('data/aris', 'data/aris_demo'),
             'ipsc_video': ('data/ipsc', 'data/ipsc_demo')}
    for name, (real_root, demo_root) in roots.items():
        real = _load(DATASET_BASES / f'{name}.py')
        demo = _load(DATASET_BASES / f'{name}_demo.py')
        for cfg, root in ((real, real_root), (demo, demo_root)):
            for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
                ds = cfg[key].dataset
                assert ds.get('dataset', ds).data_root == root, (name, key)
        for key in ('train_dataloader', 'val_dataloader'):
            assert demo[key].num_workers == 0 and demo[key].persistent_workers is False
        # Every model of a dataset is scored by the same rleseg metric (video windows:
        # per frame, by the same metric inside VideoFrameMetric).
        evaluator = real.val_evaluator
        if evaluator.type == 'VideoFrameMetric':
            evaluator = evaluator.metric
        assert evaluator.type == 'PerClassSegMetric'
    assert _load(DATASET_BASES / 'ipsc.py').frames_per_sequence == 127


@pytest.fixture(scope='module')
def repo_configs() -> dict:
    """Every top-level config whose training set is a split dataset itself."""
    out = {}
    for path in sorted((REPO / 'configs').glob('*.py')):
        cfg = _load(path)
        ds = cfg.get('train_dataloader', {}).get('dataset', {})
        if ds.get('type') in ('IPSCDataset', 'ARISDataset'):
            out[path.name] = cfg
    return out


def _dataset_of(cfg: Config, key: str) -> dict:
    ds = cfg[key].dataset
    return ds.get('dataset', ds)


@pytest.mark.parametrize('name,dataset_type', [('ipsc_demo', 'IPSCDataset'),
                                               ('aris_demo', 'ARISDataset'),
                                               ('ipsc', 'IPSCDataset'),
                                               ('aris', 'ARISDataset')])
def test_model_configs_of_a_dataset_read_identical_item_lists(
        tmp_path, ipsc_root, aris_root, repo_configs, name, dataset_type):
    demo = name.endswith('_demo')
    configs = [cfg for cfg in repo_configs.values()
               if _dataset_of(cfg, 'train_dataloader').type == dataset_type
               and _dataset_of(cfg, 'train_dataloader').data_root.endswith('_demo') == demo]
    if len(configs) < 2:     # no model configs yet: compose two from the model bases
        for model in MODEL_BASES:
            path = tmp_path / f'{name}__{model.stem}.py'
            path.write_text(f"_base_ = [{str(model)!r}, "
                            f"{str(DATASET_BASES / (name + '.py'))!r}]\n")
            configs.append(_load(path))
    assert len({cfg.model.get('decode_head', {}).get('type') for cfg in configs}) >= 2
    root = ipsc_root if dataset_type == 'IPSCDataset' else aris_root
    base = _load(DATASET_BASES / f'{name}.py')
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        splits = {_dataset_of(cfg, key).ann_file for cfg in configs}
        assert splits == {_dataset_of(base, key).ann_file}, f'{key}: {splits}'
        if demo:
            lists = [_items(cfg[key].dataset, root) for cfg in configs]
            assert lists[0] and all(items == lists[0] for items in lists)
