"""The shipped real nuclei image: crops, split, labels, and its dataset config."""
import filecmp
import os
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from mmengine.config import Config
from mmseg.registry import DATASETS

import rleseg  # noqa: F401  (registers the datasets and transforms)
from rleseg.datasets import DataError, NUCLEI_CLASSES, prepare_nuclei
from rleseg.datasets.nuclei import (NUCLEI_ASSETS, NUCLEI_DIRS, read_nuclei_source,
                                    scale_to_uint8)

REPO = Path(__file__).resolve().parents[2]
CROP = 64


@pytest.fixture(scope='module')
def nuclei(tmp_path_factory) -> dict:
    return prepare_nuclei(str(tmp_path_factory.mktemp('data') / 'nuclei'))


def _read(root: str, key: str, split: str, stem: str) -> np.ndarray:
    path = os.path.join(root, NUCLEI_DIRS[key], split, stem + '.png')
    if key == 'seg_map_path':      # palette PNG: read its indices
        from PIL import Image
        return np.array(Image.open(path))
    return cv2.imread(path, cv2.IMREAD_UNCHANGED)


def _grid(stem: str) -> tuple[int, int]:
    row, col = stem.split('_')[1:]
    return int(row[1:]), int(col[1:])


def test_assets_ship_with_their_origin_and_licence():
    image, instances = read_nuclei_source()
    assert image.shape == instances.shape == (256, 512) and image.dtype == np.uint16
    assert len(np.unique(instances)) - 1 == 64
    note = open(os.path.join(NUCLEI_ASSETS, 'README.md'), encoding='utf-8').read()
    for part in ('2018 Data Science Bowl', 'img2d.tif', 'mask2d.tif', 'stardist 0.9.2',
                 'BSD-3-Clause', 'BBBC038', 'CC0'):
        assert part in note, part


def test_32_whole_crops_with_the_documented_split(nuclei):
    root, splits = nuclei['root'], nuclei['splits']
    assert {k: len(v) for k, v in splits.items()} == {'train': 16, 'val': 8, 'test': 8}
    cells = [_grid(s) for v in splits.values() for s in v]
    # every crop in exactly one split
    assert sorted(cells) == [(r, c) for r in range(4) for c in range(8)]
    # test = the diagonal crops row == col mod 4: one per column, two per row; val = the
    # diagonal shifted by two rows, the same spread over the image
    assert sorted(_grid(s) for s in splits['test']) == sorted(
        (c % 4, c) for c in range(8))
    assert sorted(_grid(s) for s in splits['val']) == sorted(
        ((c + 2) % 4, c) for c in range(8))
    for split, stems in splits.items():
        for folder in NUCLEI_DIRS.values():
            names = sorted(os.listdir(os.path.join(root, folder, split)))
            assert names == sorted(s + '.png' for s in stems)
    assert os.path.isfile(os.path.join(root, 'README.md'))
    # both splits have a realistic share of nucleus pixels (the whole image: 18 %)
    assert all(0.1 < f < 0.3 for f in nuclei['foreground'].values()), nuclei['foreground']


def test_crops_reassemble_the_source_and_labels_agree(nuclei):
    image, instances = read_nuclei_source()
    expected_image, levels = scale_to_uint8(image)
    assert levels == nuclei['percentiles'] and levels[0] < levels[1]
    assert expected_image.min() == 0 and expected_image.max() == 255
    for split, stems in nuclei['splits'].items():
        for stem in stems:
            row, col = _grid(stem)
            box = np.s_[row * CROP:(row + 1) * CROP, col * CROP:(col + 1) * CROP]
            img = _read(nuclei['root'], 'img_path', split, stem)
            sem = _read(nuclei['root'], 'seg_map_path', split, stem)
            inst = _read(nuclei['root'], 'inst_map_path', split, stem)
            assert img.dtype == np.uint8 and img.shape == (CROP, CROP)
            assert np.array_equal(img, expected_image[box])
            assert set(np.unique(sem)) <= {0, 1}
            assert np.array_equal(sem, (instances[box] > 0).astype(np.uint8))
            assert inst.dtype == np.uint16
            assert np.array_equal(inst > 0, sem == 1)
            ids = np.unique(inst[inst > 0])
            assert ids.tolist() == list(range(1, len(ids) + 1))       # consecutive 1..K
            # one crop id <-> one source nucleus
            pairs = {(int(a), int(b)) for a, b in zip(inst[inst > 0], instances[box][inst > 0])}
            assert len(pairs) == len(ids) == len({b for _, b in pairs})


def test_prepare_is_deterministic_and_refuses_stray_files(nuclei, tmp_path):
    again = prepare_nuclei(str(tmp_path / 'nuclei'))
    for split, stems in again['splits'].items():
        for folder in NUCLEI_DIRS.values():
            a, b = (os.path.join(r, folder, split) for r in (nuclei['root'], again['root']))
            match, mismatch, errors = filecmp.cmpfiles(a, b, [s + '.png' for s in stems],
                                                       shallow=False)
            assert len(match) == len(stems) and not mismatch and not errors
    stray = tmp_path / 'nuclei' / 'img_dir' / 'test' / 'old.png'
    stray.write_bytes(b'x')
    with pytest.raises(DataError) as exc:
        prepare_nuclei(str(tmp_path / 'nuclei'))
    assert str(stray) in str(exc.value) and '--overwrite' in str(exc.value)
    prepare_nuclei(str(tmp_path / 'nuclei'), overwrite=True)
    assert not stray.exists()


def test_prepare_moves_crops_of_an_older_split_without_asking(nuclei, tmp_path):
    """Data written with the former train / test split (no val) is rewritten in place:
    a crop left in the folder of its old split is rleseg's own, not a stray file."""
    root = tmp_path / 'nuclei'
    prepare_nuclei(str(root))
    stem = nuclei['splits']['val'][0]
    for folder in NUCLEI_DIRS.values():
        os.replace(root / folder / 'val' / f'{stem}.png', root / folder / 'train' / f'{stem}.png')
    again = prepare_nuclei(str(root))
    assert stem in again['splits']['val']
    for folder in NUCLEI_DIRS.values():
        assert (root / folder / 'val' / f'{stem}.png').is_file()
        assert not (root / folder / 'train' / f'{stem}.png').exists()


def test_prepare_data_tool_writes_nuclei(tmp_path, capsys):
    sys.path.insert(0, str(REPO / 'tools'))
    try:
        from prepare_data import main
    finally:
        sys.path.remove(str(REPO / 'tools'))
    assert main(['--out', str(tmp_path)]) == 0
    assert 'train 16' in capsys.readouterr().out
    assert len(os.listdir(tmp_path / 'nuclei' / 'img_dir' / 'test')) == 8
    assert (tmp_path / 'ipsc_demo').is_dir() and (tmp_path / 'aris_demo').is_dir()


def test_nuclei_config_reads_the_split_with_instances(nuclei):
    cfg = Config.fromfile(REPO / 'configs' / '_base_' / 'datasets' / 'nuclei.py',
                          import_custom_modules=False)
    assert cfg.train_dataloader.dataset.data_root == 'data/nuclei'
    datasets = {}
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        ds_cfg = dict(cfg[key].dataset, data_root=nuclei['root'], check_items='full')
        datasets[key] = DATASETS.build(ds_cfg)
    train, val, test = (datasets[f'{k}_dataloader'] for k in ('train', 'val', 'test'))
    assert len(train) == 16 and len(val) == 8 and len(test) == 8
    assert test.metainfo['classes'] == NUCLEI_CLASSES
    for split, dataset in (('val', val), ('test', test)):
        assert sorted(dataset.get_data_info(i)['item'] for i in range(8)) == sorted(
            nuclei['splits'][split])
    sample = train[0]['data_samples']
    assert tuple(train[0]['inputs'].shape) == (3, CROP, CROP)
    assert set(np.unique(sample.gt_sem_seg.data.numpy())) <= {0, 1}
    loaded = DATASETS.build(dict(
        cfg.test_dataloader.dataset, data_root=nuclei['root'],
        pipeline=[dict(type='LoadImageFromFile'),
                  dict(type='LoadSegAnnotations', with_instances=True)]))[0]
    assert np.array_equal(loaded['gt_instance_map'] > 0, loaded['gt_seg_map'] == 1)
    assert loaded['gt_instance_map'].max() > 1


def test_nuclei_panoptic_config_packs_instances(nuclei):
    cfg = Config.fromfile(REPO / 'configs' / '_base_' / 'datasets' / 'nuclei_panoptic.py',
                          import_custom_modules=False)
    assert [m.type for m in cfg.test_evaluator] == ['PerClassSegMetric',
                                                     'PanopticQualityMetric']
    for key in ('train_dataloader', 'test_dataloader'):
        ds = DATASETS.build(dict(cfg[key].dataset, data_root=nuclei['root']))
        sample = ds[0]['data_samples']
        inst = sample.gt_instance_map.data.numpy()
        assert inst.shape[-2:] == (CROP, CROP) and inst.max() >= 1
        assert np.array_equal(inst > 0, sample.gt_sem_seg.data.numpy() == 1)
