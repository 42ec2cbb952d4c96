"""Video windows: indexing at sequence ends, window-consistent augmentation, formats."""
import copy
import os
from pathlib import Path

import numpy as np
import pytest
from mmengine.config import Config
from mmseg.registry import DATASETS, TRANSFORMS

import rleseg  # noqa: F401
from rleseg.datasets import VideoWindowDataset
from rleseg.datasets.wrappers import consecutive_runs, window_starts

REPO = Path(__file__).resolve().parents[2]


def _ipsc(root: str, split: str = 'splits/test.txt') -> dict:
    return dict(type='IPSCDataset', data_root=root, ann_file=split)


def test_window_starts_cover_every_frame_and_align_the_last_window():
    assert window_starts(16, 8, 8) == [0, 8]
    assert window_starts(16, 8, 6) == [0, 6, 8]
    assert window_starts(10, 4, 4) == [0, 4, 6]
    assert window_starts(8, 8, 1) == [0]
    assert window_starts(12, 4, 1) == list(range(9))
    assert window_starts(3, 4, 1) == []
    assert consecutive_runs([0, 1, 2, 5, 6, 9]) == [[0, 1, 2], [3, 4], [5]]
    with pytest.raises(ValueError):
        window_starts(10, 0, 1)


def test_windows_at_sequence_ends(ipsc_root):
    ds = VideoWindowDataset(dataset=_ipsc(ipsc_root), window=3, stride=3)
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    assert [i['frame_ids'] for i in infos] == [[0, 1, 2], [1, 2, 3]] * 3
    assert len({i['sequence'] for i in infos}) == 3
    for info in infos:   # one sequence per window, paths in frame order
        assert all(p.split(os.sep)[-2] == info['sequence'] for p in info['img_paths'])
        assert info['img_paths'] == sorted(info['img_paths'])
    late = VideoWindowDataset(dataset=_ipsc(ipsc_root, 'splits/train_late.txt'), window=4,
                              stride=4)
    assert [late.get_data_info(i)['frame_ids'] for i in range(3)] == [
        list(range(12, 16)), list(range(16, 20)), list(range(20, 24))]
    train = VideoWindowDataset(dataset=_ipsc(ipsc_root, 'splits/train_late.txt'), window=4)
    assert len(train) == 27 and train.get_data_info(8)['frame_ids'] == [20, 21, 22, 23]


def test_windows_never_bridge_missing_frames(ipsc_root, tmp_path):
    items = [line.strip() for line in open(os.path.join(ipsc_root, 'splits/train_late.txt'))]
    seq = items[0].split('/')[0]
    kept = [i for i in items if i.startswith(seq + '/')]
    del kept[5]                                   # frame index 17 missing: runs 12-16, 18-23
    split = tmp_path / 'gap.txt'
    split.write_text('\n'.join(kept[:2] + kept[3:]) + '\n')   # and 14: runs 12-13, 15-16, ...
    ds = VideoWindowDataset(dataset=_ipsc(ipsc_root, str(split)), window=3, stride=1)
    windows = [ds.get_data_info(i)['frame_ids'] for i in range(len(ds))]
    assert windows == [[18, 19, 20], [19, 20, 21], [20, 21, 22], [21, 22, 23]]
    assert ds.short_runs == [(seq, 2), (seq, 2)]


def _window_cfg(name: str, root: str, key: str) -> dict:
    cfg = Config.fromfile(REPO / 'configs/_base_/datasets' / f'{name}.py')
    ds = copy.deepcopy(cfg[key].dataset)
    ds.dataset.data_root = root
    return ds


def test_window_items_from_the_demo_config(ipsc_root):
    train = DATASETS.build(_window_cfg('ipsc_video_demo', ipsc_root, 'train_dataloader'))
    item = train[0]
    meta = item['data_samples'].metainfo
    assert tuple(item['inputs'].shape) == (12, 64, 64)          # 4 frames x 3 channels
    assert tuple(item['data_samples'].gt_sem_seg.data.shape) == (4, 64, 64)
    assert meta['frame_ids'] == [12, 13, 14, 15] and meta['sequence']
    test = DATASETS.build(_window_cfg('ipsc_video_demo', ipsc_root, 'test_dataloader'))
    assert len(test) == 3
    item = test[2]
    h, w = item['data_samples'].metainfo['ori_shape']
    assert tuple(item['inputs'].shape) == (12, 64, 64)
    assert tuple(item['data_samples'].gt_sem_seg.data.shape) == (4, h, w)   # full res
    assert item['data_samples'].metainfo['frame_ids'] == [0, 1, 2, 3]


def test_static_windows_input_frame_zero_target_all_frames(ipsc_root):
    cfg = _window_cfg('ipsc_video_demo', ipsc_root, 'train_dataloader')
    cfg.static = True
    item = DATASETS.build(cfg)[0]
    assert tuple(item['inputs'].shape) == (3, 64, 64)
    assert tuple(item['data_samples'].gt_sem_seg.data.shape) == (4, 64, 64)
    assert item['data_samples'].metainfo['static_window'] is True


def _window(n: int, rng: np.random.Generator, same_masks: bool) -> dict:
    """N frames whose pixels encode (y, x) and the frame id; masks random per frame."""
    h, w = 40, 48
    yy, xx = np.mgrid[0:h, 0:w]
    frame = np.stack([yy * 5, xx * 5, np.zeros_like(yy)], axis=-1).astype(np.uint8)
    imgs = np.stack([frame] * n)
    imgs[..., 2] = (np.arange(n) * 40 + 20)[:, None, None]
    masks = rng.integers(0, 3, (1 if same_masks else n, h, w)).astype(np.uint8)
    masks = np.broadcast_to(masks, (n, h, w)).copy()
    return dict(img=imgs, gt_seg_map=masks, seg_fields=['gt_seg_map'], img_shape=(h, w),
                ori_shape=(h, w))


GEOMETRIC = [
    dict(type='RandomResize', scale=(48, 40), ratio_range=(0.8, 1.5), keep_ratio=True),
    dict(type='RandomCrop', crop_size=(32, 32), cat_max_ratio=0.5),
    dict(type='RandomFlip', prob=0.5, direction=['horizontal', 'vertical']),
    dict(type='RandomRotate', prob=1.0, degree=30),
    dict(type='ExtractPatch', patch_size=24, stride_range=(4, 8)),
]


@pytest.mark.parametrize('seed', range(6))
def test_window_broadcast_transforms_every_frame_alike(seed):
    rng = np.random.default_rng(seed)
    np.random.seed(seed)
    results = _window(4, rng, same_masks=False)
    out = TRANSFORMS.build(dict(type='WindowBroadcast', transforms=GEOMETRIC))(
        copy.deepcopy(results))
    assert out['img'].shape == (4, 24, 24, 3) and out['gt_seg_map'].shape == (4, 24, 24)
    for t in range(1, 4):   # the (y, x) encoding moved identically in every frame
        assert np.array_equal(out['img'][t, ..., :2], out['img'][0, ..., :2])
    # the pixels did move (the test is not passing on an identity transform)
    assert not np.array_equal(out['img'][0, ..., :2], results['img'][0, :24, :24, :2])
    # photometric distortion (not @cache_randomness) is replayed for every frame too
    same = _window(3, rng, same_masks=True)
    same['img'][..., 2] = 100
    out = TRANSFORMS.build(dict(type='WindowBroadcast', transforms=GEOMETRIC + [
        dict(type='PhotoMetricDistortion')]))(same)
    assert all(np.array_equal(out['img'][t], out['img'][0]) for t in (1, 2))
    assert all(np.array_equal(out['gt_seg_map'][t], out['gt_seg_map'][0]) for t in (1, 2))


def test_frames_transformed_one_by_one_do_diverge():
    """Control: without WindowBroadcast the same transforms disagree between frames."""
    diverged = False
    for seed in range(6):
        np.random.seed(seed)
        results = _window(4, np.random.default_rng(seed), same_masks=True)
        pipeline = [TRANSFORMS.build(t) for t in GEOMETRIC]
        frames = []
        for t in range(4):
            frame = dict(results, img=results['img'][t], gt_seg_map=results['gt_seg_map'][t],
                         seg_fields=['gt_seg_map'])
            for transform in pipeline:
                frame = transform(frame)
            frames.append(frame['img'][..., :2])
        diverged |= any(not np.array_equal(f, frames[0]) for f in frames[1:])
    assert diverged


def test_format_window_layouts():
    imgs = np.stack([np.full((4, 5, 3), t, np.uint8) for t in range(3)])
    fmt = TRANSFORMS.build(dict(type='FormatWindow', layout='channels'))
    out = fmt(dict(img=imgs.copy()))
    assert out['img'].shape == (4, 5, 9) and out['num_frames'] == 3
    assert [int(out['img'][0, 0, 3 * t]) for t in range(3)] == [0, 1, 2]
    out = TRANSFORMS.build(dict(type='FormatWindow', layout='frames'))(dict(img=imgs.copy()))
    assert out['img'].shape == (3, 4, 5, 3)
    out = fmt(dict(img=imgs.copy(), static_window=True))
    assert out['img'].shape == (4, 5, 3) and out['static_window'] is True
