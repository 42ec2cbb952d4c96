"""mmseg's plain folder layout (FolderSegDataset) on a folder written by the test."""
import os
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmseg.registry import DATASETS
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

import rleseg  # noqa: F401  (registers the datasets and transforms)
from rleseg.datasets import DataError, FolderSegDataset
from rleseg.datasets.imageio import write_palette_png
from rleseg.evaluation import PerClassSegMetric

REPO = Path(__file__).resolve().parents[2]
CLASSES = ('background', 'cell', 'debris')
PALETTE = [[0, 0, 0], [0, 200, 0], [200, 0, 0]]
META = dict(classes=CLASSES, palette=PALETTE)
PREFIX = dict(img_path='img_dir/train', seg_map_path='ann_dir/train',
              inst_map_path='inst_dir/train')
LOAD = [dict(type='LoadImageFromFile'), dict(type='LoadSegAnnotations', with_instances=True)]
STEMS = {'train': ['a1', 'a2', 'a10'], 'test': ['b1', 'b2']}


def _sample(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A 64 x 64 RGB image, its 3-class label and instance map (two squares)."""
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)
    inst = np.zeros((64, 64), np.uint16)
    inst[5:20, 5:20], inst[30:50, 30:60] = 1, 2
    sem = np.zeros((64, 64), np.uint8)
    sem[inst == 1], sem[inst == 2] = 1, 1 + seed % 2
    return img, sem, inst


def write_folder(root: Path, stems=STEMS, img_suffix='.png',
                 seg_map_suffix='.png') -> dict:
    """Write the plain layout; returns ``{stem: (img, sem, inst)}``."""
    out = {}
    for split, names in stems.items():
        for i, stem in enumerate(names):
            img, sem, inst = _sample(i + 3 * (split == 'test'))
            for folder in ('img_dir', 'ann_dir', 'inst_dir'):
                (root / folder / split).mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(root / 'img_dir' / split / (stem + img_suffix)), img)
            write_palette_png(str(root / 'ann_dir' / split / (stem + seg_map_suffix)), sem,
                              PALETTE)
            cv2.imwrite(str(root / 'inst_dir' / split / (stem + '.png')), inst)
            out[stem] = (img, sem, inst)
    return out


@pytest.fixture
def folder(tmp_path) -> tuple[str, dict]:
    return str(tmp_path / 'mine'), write_folder(tmp_path / 'mine')


def _build(root: str, **kw) -> FolderSegDataset:
    return FolderSegDataset(**dict(dict(data_root=root, data_prefix=PREFIX, metainfo=META,
                                        pipeline=LOAD), **kw))


def test_folder_items_labels_instances_and_metainfo(folder):
    root, written = folder
    ds = _build(root, check_items='full')
    assert [ds.get_data_info(i)['item'] for i in range(len(ds))] == ['a1', 'a2', 'a10']
    assert ds.metainfo['classes'] == CLASSES and ds.metainfo['palette'] == PALETTE
    for i, stem in enumerate(STEMS['train']):
        out = ds[i]
        img, sem, inst = written[stem]
        assert np.array_equal(out['img'], img)
        assert np.array_equal(out['gt_seg_map'], sem)
        assert out['gt_instance_map'].dtype == np.int32
        assert np.array_equal(out['gt_instance_map'], inst)
    test = _build(root, data_prefix=dict(img_path='img_dir/test', seg_map_path='ann_dir/test'))
    assert len(test) == 2 and 'inst_map_path' not in test.get_data_info(0)


def test_split_file_and_suffixes(tmp_path):
    root = tmp_path / 'jpg'
    write_folder(root, stems={'train': ['x1', 'x2', 'x3']}, img_suffix='.jpg',
                 seg_map_suffix='_mask.png')
    (root / 'splits').mkdir()
    (root / 'splits' / 'some.txt').write_text('x3\n# a comment\nx1\n')
    kw = dict(img_suffix='.jpg', seg_map_suffix='_mask.png', pipeline=[],
              data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train'))
    assert len(_build(str(root), **kw)) == 3
    ds = _build(str(root), ann_file='splits/some.txt', **kw)
    assert [ds.get_data_info(i)['item'] for i in range(len(ds))] == ['x3', 'x1']
    assert ds.get_data_info(0)['seg_map_path'] == str(root / 'ann_dir' / 'train' / 'x3_mask.png')

def test_template_config_builds_a_users_folder_and_scores_it(folder):
    root, written = folder
    cfg = Config.fromfile(REPO / 'configs' / '_base_' / 'datasets' / 'folder.py',
                          import_custom_modules=False)
    ds_cfg = dict(cfg.test_dataloader.dataset, data_root=root,
                  metainfo=dict(classes=CLASSES, palette=PALETTE))
    test = DATASETS.build(ds_cfg)
    assert len(test) == 2 and test.metainfo['classes'] == CLASSES
    metric = PerClassSegMetric()
    metric.dataset_meta = test.metainfo
    samples = []
    for stem in STEMS['test']:
        sem = torch.from_numpy(written[stem][1][None].astype(np.int64))
        sample = SegDataSample(gt_sem_seg=PixelData(data=sem), pred_sem_seg=PixelData(data=sem))
        samples.append(sample.to_dict())
    metric.process({}, samples)
    scores = metric.compute_metrics(metric.results)
    assert scores['mDice'] == pytest.approx(100.0)
    assert scores['Dice_cell'] == pytest.approx(100.0)


def _one_line(exc: pytest.ExceptionInfo, *parts: str) -> None:
    msg = str(exc.value)
    assert '\n' not in msg, msg
    for part in parts:
        assert part in msg, msg


def test_missing_root_folder_and_pairs(folder, tmp_path):
    root, _ = folder
    with pytest.raises(DataError) as exc:
        _build(str(tmp_path / 'nowhere'))
    _one_line(exc, 'nowhere', '<img_path>')
    with pytest.raises(DataError) as exc:
        _build(root, data_prefix=dict(img_path='img_dir/val', seg_map_path='ann_dir/val'))
    _one_line(exc, 'img_dir/val', 'does not exist')
    img = os.path.join(root, 'img_dir', 'train', 'a2.png')
    os.remove(os.path.join(root, 'ann_dir', 'train', 'a2.png'))
    with pytest.raises(DataError) as exc:
        _build(root)
    _one_line(exc, img, 'has no label')
    skipping = _build(root, on_bad_item='skip')
    assert len(skipping) == 2 and skipping.skipped[0][0] == 'a2'
    label = os.path.join(root, 'ann_dir', 'train', 'a10.png')
    os.remove(os.path.join(root, 'img_dir', 'train', 'a10.png'))
    skipping = _build(root, on_bad_item='skip')
    assert len(skipping) == 1 and [s[0] for s in skipping.skipped] == ['a2', 'a10']
    assert skipping.skipped[1][1].startswith(
        f"label {label} has no image: {os.path.join(root, 'img_dir', 'train', 'a10.png')} "
        "does not exist (item 'a10' of folder ")
    with pytest.raises(DataError) as exc:
        _build(root, ann_file='splits/train.txt')
    _one_line(exc, 'splits/train.txt', "ann_file=''")
    with pytest.raises(DataError) as exc:
        _build(root, ann_file='', on_bad_item='skip', data_prefix=dict(
            PREFIX, img_path='img_dir/test', seg_map_path='ann_dir/test'))
    _one_line(exc, 'no usable item')


def test_bad_labels_and_instance_maps(folder):
    root, _ = folder
    label = os.path.join(root, 'ann_dir', 'train', 'a1.png')
    write_palette_png(label, np.full((64, 64), 3, np.uint8), PALETTE + [[9, 9, 9]])
    ds = _build(root)                                    # header check: size only
    with pytest.raises(DataError) as exc:
        ds[0]
    _one_line(exc, label, '[3]', '0..2')
    with pytest.raises(DataError) as exc:
        _build(root, check_items='full')
    _one_line(exc, label, 'outside the class set')
    inst = os.path.join(root, 'inst_dir', 'train', 'a2.png')
    cv2.imwrite(inst, np.zeros((32, 64), np.uint16))
    with pytest.raises(DataError) as exc:
        _build(root, check_items='none', pipeline=LOAD)[1]
    _one_line(exc, inst, '32x64', '64x64')
    with pytest.raises(DataError) as exc:
        _build(root, data_prefix=dict(PREFIX, img_path='img_dir/test',
                                      seg_map_path='ann_dir/test'))
    _one_line(exc, 'inst_dir/train/b1.png', 'no instance map')
    cv2.imwrite(inst, np.zeros((64, 64, 3), np.uint8))
    with pytest.raises(DataError) as exc:
        _build(root, check_items='none', pipeline=LOAD)[1]
    _one_line(exc, inst, '3 channels')


def test_config_errors_name_the_option(folder):
    root, _ = folder
    with pytest.raises(ValueError) as exc:
        _build(root, metainfo=None)
    _one_line(exc, 'metainfo=dict(classes=')
    with pytest.raises(ValueError) as exc:
        _build(root, metainfo=dict(classes=CLASSES, palette=PALETTE[:2]))
    _one_line(exc, 'palette has 2 colours', 'classes has 3')
    with pytest.raises(ValueError) as exc:
        _build(root, metainfo=dict(classes=CLASSES, palette=[[0, 0, 0], [1, 2], [3, 4, 5]]))
    _one_line(exc, '[1, 2]')
    with pytest.raises(ValueError) as exc:
        _build(root, data_prefix=dict(PREFIX, inst_path='inst_dir/train'))
    _one_line(exc, "'inst_path'", 'inst_map_path')
    with pytest.raises(ValueError) as exc:
        _build(root, data_prefix=dict(img_path='img_dir/train'))
    _one_line(exc, "'seg_map_path'")


def test_damaged_instance_map_is_caught_by_the_header_check(folder):
    root, _ = folder
    inst = os.path.join(root, 'inst_dir', 'train', 'a10.png')
    data = bytearray(open(inst, 'rb').read())
    data[len(data) // 2] ^= 0xFF                          # one flipped byte: PNG CRC fails
    open(inst, 'wb').write(bytes(data))
    assert len(_build(root, check_items='none')) == 3
    with pytest.raises(DataError) as exc:
        _build(root)
    _one_line(exc, inst, 'damaged', "item 'a10'")


def test_reduce_zero_label_accepts_ids_up_to_c(folder):
    """With reduce_zero_label a label file holds ids 0..C (0 = ignore): id C is in
    range (it becomes class C - 1), and it is refused without the option."""
    root, samples = folder
    meta = dict(classes=CLASSES[1:], palette=PALETTE[1:])  # 2 classes, ids 1..2 in files
    reduced = _build(root, metainfo=meta, reduce_zero_label=True, check_items='full')
    for index, stem in enumerate(STEMS['train']):
        gt = reduced[index]['gt_seg_map']
        sem = samples[stem][1]
        assert np.array_equal(gt, np.where(sem == 0, 255, sem.astype(np.int64) - 1))
    with pytest.raises(DataError, match='out of range|outside'):
        _build(root, metainfo=meta, check_items='full')
