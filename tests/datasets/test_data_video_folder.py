"""The video folder layout (one folder per sequence): frames, windows, its template
config, and the one-line errors of bad input."""
import os
from pathlib import Path

import numpy as np
import pytest
from mmengine.config import Config
from mmseg.registry import DATASETS

import rleseg  # noqa: F401  (registers the datasets and transforms)
from rleseg.datasets import DataError, VideoFolderDataset
from rleseg.datasets.imageio import write_image, write_palette_png
from rleseg.datasets.video_folder import frame_number

REPO = Path(__file__).resolve().parents[2]
CLASSES = ('background', 'foreground')
PALETTE = ((0, 0, 0), (255, 0, 0))


def _write_sequence(root: Path, split: str, sequence: str, numbers, size=(16, 16),
                    stem='t{:02d}') -> None:
    """Frames whose label is the frame number's parity, so that windows can be checked
    for their order: frame n is all 1 when n is odd."""
    for n in numbers:
        name = stem.format(n) + '.png'
        image = np.full(size, 10 * n, np.uint8)
        write_image(str(root / 'img_dir' / split / sequence / name), image)
        write_palette_png(str(root / 'ann_dir' / split / sequence / name),
                          np.full(size, n % 2, np.uint8), PALETTE)


def _build(root: Path, split: str = 'train', **kwargs) -> VideoFolderDataset:
    return DATASETS.build(dict(
        type='VideoFolderDataset', data_root=str(root),
        data_prefix=dict(img_path=f'img_dir/{split}', seg_map_path=f'ann_dir/{split}'),
        metainfo=dict(classes=CLASSES), **kwargs))


@pytest.fixture
def video(tmp_path) -> Path:
    """Two training sequences: 'a' with frames t00..t09, 'b' with frames t00..t04."""
    _write_sequence(tmp_path, 'train', 'a', range(10))
    _write_sequence(tmp_path, 'train', 'b', range(5))
    return tmp_path


def test_frame_number_is_the_last_number_of_the_name():
    assert frame_number('t07') == 7
    assert frame_number('frame_3_gfp') == 3
    assert frame_number('img12.tif') == 12
    assert frame_number('first') is None


def test_frames_are_items_ordered_by_name_with_their_position(tmp_path):
    # unpadded names: natural order puts t2 before t10 (plain string order would not)
    _write_sequence(tmp_path, 'train', 'seq', range(12), stem='t{}')
    ds = _build(tmp_path)
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    assert [i['frame_stem'] for i in infos] == [f't{n}' for n in range(12)]
    assert [i['frame_index'] for i in infos] == list(range(12))
    assert {i['sequence'] for i in infos} == {'seq'}
    assert infos[3]['item'] == 'seq/t3'
    assert infos[3]['img_path'] == str(tmp_path / 'img_dir' / 'train' / 'seq' / 't3.png')


def test_window_dataset_wraps_it_in_frame_order(video):
    windows = DATASETS.build(dict(
        type='VideoWindowDataset', window=4, stride=1,
        dataset=dict(type='VideoFolderDataset', data_root=str(video),
                     data_prefix=dict(img_path='img_dir/train',
                                      seg_map_path='ann_dir/train'),
                     metainfo=dict(classes=CLASSES)),
        pipeline=[dict(type='LoadWindowFrames')]))
    # a: 10 frames -> 7 windows, b: 5 frames -> 2 windows
    assert len(windows) == 9
    info = windows.get_data_info(7)
    assert info['sequence'] == 'b' and info['frame_ids'] == [0, 1, 2, 3]
    item = windows[1]                  # sequence a, frames 1..4
    assert item['img'].shape == (4, 16, 16, 3)
    assert item['img'][:, 0, 0, 0].tolist() == [10, 20, 30, 40]
    assert item['gt_seg_map'][:, 0, 0].tolist() == [1, 0, 1, 0]


def test_frame_step_accepts_regularly_spaced_numbers(tmp_path):
    _write_sequence(tmp_path, 'train', 'a', range(0, 15, 5))
    with pytest.raises(DataError, match='frame_step=1'):
        _build(tmp_path)
    ds = _build(tmp_path, frame_step=5)
    assert [ds.get_data_info(i)['frame_index'] for i in range(3)] == [0, 1, 2]


def _one_line_error(root: Path, **kwargs) -> str:
    with pytest.raises(DataError) as exc:
        _build(root, **kwargs)
    message = str(exc.value)
    assert '\n' not in message
    return message


def test_a_frame_missing_its_label_is_named(video):
    label = video / 'ann_dir' / 'train' / 'a' / 't03.png'
    label.unlink()
    message = _one_line_error(video)
    assert 'has no label' in message and str(label) in message
    assert "item 'a/t03'" in message


def test_a_gap_in_the_frame_numbers_is_named(video):
    for folder in ('img_dir', 'ann_dir'):
        (video / folder / 'train' / 'a' / 't05.png').unlink()
    message = _one_line_error(video)
    assert 'a frame is missing' in message
    assert 't06 (number 6) after t04 (number 4)' in message
    assert os.path.join('img_dir', 'train', 'a') in message


def test_frames_of_unequal_size_in_a_sequence_are_named(video):
    _write_sequence(video, 'train', 'b', [2], size=(16, 20))
    message = _one_line_error(video)
    assert '16x20' in message and '16x16' in message
    assert str(video / 'img_dir' / 'train' / 'b' / 't02.png') in message
    # sequences may differ from each other (frames are resized by the pipeline)
    _write_sequence(video, 'train', 'b', range(5), size=(16, 20))
    assert len(_build(video)) == 15


def test_a_frame_outside_a_sequence_folder_and_a_name_without_number(video):
    write_image(str(video / 'img_dir' / 'train' / 'loose.png'), np.zeros((16, 16), np.uint8))
    message = _one_line_error(video)
    assert 'not in a sequence folder' in message and 'loose' in message
    os.remove(video / 'img_dir' / 'train' / 'loose.png')
    _write_sequence(video, 'train', 'c', [0], stem='first{}')
    os.rename(video / 'img_dir' / 'train' / 'c' / 'first0.png',
              video / 'img_dir' / 'train' / 'c' / 'first.png')
    os.rename(video / 'ann_dir' / 'train' / 'c' / 'first0.png',
              video / 'ann_dir' / 'train' / 'c' / 'first.png')
    message = _one_line_error(video)
    assert 'has no number in its name' in message and 'first' in message


def test_a_skipped_frame_splits_its_sequence_for_windows(video):
    (video / 'ann_dir' / 'train' / 'a' / 't04.png').unlink()
    frames = _build(video, on_bad_item='skip')
    assert len(frames) == 14 and frames.skipped[0][0] == 'a/t04'
    windows = DATASETS.build(dict(type='VideoWindowDataset', window=4, dataset=frames))
    ids = [windows.get_data_info(i)['frame_ids'] for i in range(len(windows))
           if windows.get_data_info(i)['sequence'] == 'a']
    # frames 0-3 and 5-9 of a: 1 + 2 windows, none containing frame 4
    assert ids == [[0, 1, 2, 3], [5, 6, 7, 8], [6, 7, 8, 9]]


def test_template_config_builds_windows_of_every_split(tmp_path):
    for split, count in (('train', 6), ('val', 4), ('test', 5)):
        _write_sequence(tmp_path, split, f'{split}_seq', range(count))
    cfg = Config.fromfile(REPO / 'configs' / '_base_' / 'datasets' / 'video_folder.py',
                          import_custom_modules=False)
    assert cfg.val_evaluator.type == 'VideoFrameMetric'
    built = {}
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        ds_cfg = cfg[key].dataset
        ds_cfg.dataset.data_root = str(tmp_path)
        built[key] = DATASETS.build(ds_cfg)
    assert [len(built[k]) for k in built] == [3, 1, 2]     # stride 1 / 4 / 4 (+ end)
    item = built['test_dataloader'][1]                     # frames 1..4, aligned to end
    assert item['data_samples'].frame_ids == [1, 2, 3, 4]
    assert tuple(item['inputs'].shape) == (12, 64, 64)     # 4 frames x 3 channels
    gt = item['data_samples'].gt_sem_seg.data
    assert tuple(gt.shape) == (4, 16, 16)                  # scored at full resolution
    assert gt[:, 0, 0].tolist() == [1, 0, 1, 0]
    train = built['train_dataloader'][0]
    assert tuple(train['inputs'].shape) == (12, 64, 64)


def test_a_split_file_lists_frames_in_any_order(video):
    (video / 'splits').mkdir()
    (video / 'splits' / 'part.txt').write_text('b/t02\nb/t00\na/t05\nb/t01\na/t06\n')
    ds = _build(video, ann_file='splits/part.txt')
    index = {ds.get_data_info(i)['item']: ds.get_data_info(i)['frame_index']
             for i in range(len(ds))}
    assert index == {'b/t00': 0, 'b/t01': 1, 'b/t02': 2, 'a/t05': 0, 'a/t06': 1}
    (video / 'splits' / 'part.txt').write_text('b/t00\nb/t02\n')
    message = _one_line_error(video, ann_file='splits/part.txt')
    assert 't02 (number 2) after t00 (number 0)' in message
