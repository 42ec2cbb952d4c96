"""The shipped real satellite roads tile: crops, the split by position, labels without
an ignore region, its dataset config and one training step of each paradigm on it."""
import filecmp
import os
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.optim import OptimWrapper
from mmseg.registry import DATASETS, MODELS
from PIL import Image

import rleseg  # noqa: F401  (registers the datasets and transforms)
from rleseg.benchmark import SUITES, resolve_config
from rleseg.datasets import DataError, check_split_overlap, prepare_roads
from rleseg.datasets.nuclei import scale_to_uint8
from rleseg.datasets.roads import (ROADS_ASSETS, ROADS_CLASSES, ROADS_CROP, ROADS_DIRS,
                                   read_roads_source, roads_split, write_roads_assets)
from rleseg.engine import load_config

REPO = Path(__file__).resolve().parents[2]
PARADIGMS = ('unet', 'deeplabv3plus', 'mask2former', 'p2s_rle')


@pytest.fixture(scope='module')
def roads(tmp_path_factory) -> dict:
    return prepare_roads(str(tmp_path_factory.mktemp('data') / 'roads'))


def _cell(stem: str) -> tuple[int, int]:
    row, col = stem.split('_')[1:]
    return int(row[1:]), int(col[1:])


def test_assets_ship_with_origin_licence_and_label_caveat():
    image, labels = read_roads_source()
    assert image.shape == labels.shape == (1300, 1300) and image.dtype == np.uint8
    assert set(np.unique(labels).tolist()) == {0, 1}
    assert 0.032 < labels.mean() < 0.034                      # 3.3 % road
    note = open(os.path.join(ROADS_ASSETS, 'README.md'), encoding='utf-8').read()
    for part in ('solaris 0.4.0', 'Apache-2.0', 'SpaceNet', 'road_mask_input.tif',
                 'sample_road_raster_mask.tif', 'incomplete', 'not as ignored', 'p99.8',
                 'write_roads_assets'):
        assert part in note, part


def test_400_crops_split_by_position(roads):
    splits = roads['splits']
    assert {k: len(v) for k, v in splits.items()} == {'train': 200, 'val': 100, 'test': 100}
    cells = {k: {_cell(s) for s in v} for k, v in splits.items()}
    assert sorted(c for v in cells.values() for c in v) == [
        (r, c) for r in range(20) for c in range(20)]
    assert cells['test'] == {(r, c) for r in range(20) for c in range(20) if r % 4 == c % 4}
    assert cells['val'] == {(r, c) for r in range(20) for c in range(20)
                            if r % 4 == (c + 2) % 4}
    assert roads_split(5, 1) == 'test' and roads_split(7, 1) == 'val'
    for split, stems in splits.items():
        for folder in ROADS_DIRS.values():
            names = sorted(os.listdir(os.path.join(roads['root'], folder, split)))
            assert names == sorted(s + '.png' for s in stems)
    assert not os.path.exists(os.path.join(roads['root'], 'inst_dir'))
    # rare foreground in every split, and crops with and without road in each
    assert all(0.015 < f < 0.06 for f in roads['foreground'].values()), roads['foreground']
    assert all(10 < roads['with_road'][k] < len(v) / 2 for k, v in splits.items())


def test_crops_reassemble_the_tile_without_an_ignore_value(roads):
    image, labels = read_roads_source()
    for split, stems in roads['splits'].items():
        for stem in stems:
            row, col = _cell(stem)
            box = np.s_[row * ROADS_CROP:(row + 1) * ROADS_CROP,
                        col * ROADS_CROP:(col + 1) * ROADS_CROP]
            img = cv2.imread(os.path.join(roads['root'], 'img_dir', split, stem + '.png'),
                             cv2.IMREAD_UNCHANGED)
            label = np.array(Image.open(os.path.join(roads['root'], 'ann_dir', split,
                                                     stem + '.png')))
            assert np.array_equal(img, image[box])
            assert np.array_equal(label, labels[box])


def test_prepare_is_byte_identical_and_refuses_stray_files(roads, tmp_path):
    again = prepare_roads(str(tmp_path / 'roads'))
    for split, stems in again['splits'].items():
        for folder in ROADS_DIRS.values():
            a, b = (os.path.join(r, folder, split) for r in (roads['root'], again['root']))
            match, mismatch, errors = filecmp.cmpfiles(a, b, [s + '.png' for s in stems],
                                                       shallow=False)
            assert len(match) == len(stems) and not mismatch and not errors
    stray = tmp_path / 'roads' / 'ann_dir' / 'val' / 'extra.png'
    stray.write_bytes(b'x')
    with pytest.raises(DataError) as exc:
        prepare_roads(str(tmp_path / 'roads'))
    assert str(stray) in str(exc.value) and '--overwrite' in str(exc.value)
    prepare_roads(str(tmp_path / 'roads'), overwrite=True)
    assert not stray.exists()


def test_write_roads_assets_scales_the_tile_and_keeps_the_labels(tmp_path):
    source = tmp_path / 'source'
    source.mkdir()
    rows, cols = np.mgrid[:1300, :1300]
    image = (1 + (rows * 3 + cols) % 2047).astype(np.uint16)
    labels = ((rows // 50) % 7 == 0).astype(np.uint8)
    cv2.imwrite(str(source / 'image.png'), image)
    cv2.imwrite(str(source / 'roads.png'), labels)
    levels = write_roads_assets(str(source), str(tmp_path / 'assets'))
    expected, expected_levels = scale_to_uint8(image)
    assert levels == expected_levels
    shipped, shipped_labels = read_roads_source(str(tmp_path / 'assets'))
    assert np.array_equal(shipped, expected) and np.array_equal(shipped_labels, labels)
    cv2.imwrite(str(source / 'roads.png'), labels * 255)    # a 0 / 255 mask is refused
    with pytest.raises(DataError) as exc:
        write_roads_assets(str(source), str(tmp_path / 'assets'))
    assert str(source / 'roads.png') in str(exc.value) and '[0, 255]' in str(exc.value)


def test_roads_config_reads_every_split_with_labels_0_and_1(roads):
    cfg = Config.fromfile(REPO / 'configs' / '_base_' / 'datasets' / 'roads.py',
                          import_custom_modules=False)
    assert cfg.train_dataloader.dataset.data_root == 'data/roads'
    sizes = {}
    for key, split in (('train_dataloader', 'train'), ('val_dataloader', 'val'),
                       ('test_dataloader', 'test')):
        ds = DATASETS.build(dict(cfg[key].dataset, data_root=roads['root'],
                                 check_items='full'))
        sizes[split] = len(ds)
        assert sorted(ds.get_data_info(i)['item'] for i in range(len(ds))) == sorted(
            roads['splits'][split])
        assert ds.metainfo['classes'] == ROADS_CLASSES and not ds.reduce_zero_label
    assert sizes == {'train': 200, 'val': 100, 'test': 100}
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[key].dataset.data_root = roads['root']
    check_split_overlap(cfg)           # the protocol's check: no item in two splits
    test = DATASETS.build(dict(cfg.test_dataloader.dataset, data_root=roads['root']))
    roads_seen = 0
    for i in range(len(test)):
        gt = test[i]['data_samples'].gt_sem_seg.data.numpy()
        assert set(np.unique(gt).tolist()) <= {0, 1}            # no ignore value
        roads_seen += int(gt.sum())
    assert roads_seen == round(roads['foreground']['test'] * 100 * ROADS_CROP ** 2)
    # the training augmentation (zoom, crop, flips, intensity) adds no ignore pixel either
    train = DATASETS.build(dict(cfg.train_dataloader.dataset, data_root=roads['root']))
    for i in range(0, len(train), 10):
        gt = train[i]['data_samples'].gt_sem_seg.data.numpy()
        assert gt.shape[-2:] == (ROADS_CROP, ROADS_CROP)
        assert set(np.unique(gt).tolist()) <= {0, 1}


@pytest.mark.parametrize('model', PARADIGMS)
def test_roads_config_takes_one_training_step(model, roads):
    cfg = load_config(str(REPO / 'configs' / f'{model}_roads_tiny.py'),
                      {'train_dataloader.dataset.data_root': roads['root']})
    assert cfg.test_dataloader.dataset.data_prefix.img_path == 'img_dir/test'
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    with_road = [i for i in range(len(dataset)) if np.array(
        Image.open(dataset.get_data_info(i)['seg_map_path'])).any()][:2]
    batch = pseudo_collate([dataset[i] for i in with_road])
    torch.manual_seed(0)
    net = MODELS.build(cfg.model)
    net.train()
    before = [p.detach().clone() for p in net.parameters()]
    optim = OptimWrapper(torch.optim.AdamW(net.parameters(), lr=1e-3))
    log = net.train_step(batch, optim)
    assert np.isfinite(float(torch.as_tensor(log['loss']).detach()))
    assert any(not torch.equal(a, b.detach()) for a, b in zip(before, net.parameters()))


def test_roads_suite_runs_the_four_paradigms():
    suite = SUITES['roads']
    assert suite.demo and suite.configs == tuple(f'{m}_roads_tiny' for m in (
        'p2s_rle', 'unet', 'deeplabv3plus', 'mask2former'))
    assert all(resolve_config(name).config for name in suite.configs)
    assert '%' not in suite.description      # argparse formats '%' in the --help text
