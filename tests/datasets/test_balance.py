"""Rare foreground on the data side: class pixel counts read by the pipeline's label
loader, the repeat-factor rule, class weights, and the class-aware sampler built from
a config switch (deterministic under its seed)."""
import itertools
import math

import cv2
import numpy as np
import pytest
from mmengine.registry import init_default_scope
from mmseg.registry import DATA_SAMPLERS, DATASETS

from rleseg.datasets import (ForegroundBalancedSampler, class_frequencies, class_weights,
                             label_class_counts)
from rleseg.datasets.balance import item_repeat_factors
from rleseg.datasets.label_stats import describe

init_default_scope('mmseg')

#: Road pixels of the 6 training crops (16 x 16 each = 256 pixels): 2 crops with road,
#: one near-empty crop (1 pixel), 3 empty crops.
ROAD_PIXELS = (64, 32, 1, 0, 0, 0)


def _write(root, split='train', road_pixels=ROAD_PIXELS):
    for index, count in enumerate(road_pixels):
        label = np.zeros((16, 16), np.uint8)
        label.ravel()[:count] = 1
        for folder, array in (('img_dir', (label * 200 + 20).astype(np.uint8)),
                              ('ann_dir', label)):
            path = root / folder / split / f'crop_{index}.png'
            path.parent.mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(path), array)


def _dataset(root, split='train'):
    return DATASETS.build(dict(
        type='FolderSegDataset', data_root=str(root),
        data_prefix=dict(img_path=f'img_dir/{split}', seg_map_path=f'ann_dir/{split}'),
        metainfo=dict(classes=('background', 'road')), pipeline=[]))


@pytest.fixture
def roads(tmp_path):
    _write(tmp_path)
    return tmp_path


def test_counts_come_from_the_labels_and_are_read_once(roads, monkeypatch):
    dataset = _dataset(roads)
    counts = label_class_counts(dataset)
    assert counts.tolist() == [[256 - n, n] for n in ROAD_PIXELS]
    freq = class_frequencies(counts)
    assert freq[1] == pytest.approx(97 / (6 * 256))
    # read once per process: a second call does not decode a label again
    from rleseg.datasets import balance
    monkeypatch.setattr(balance, '_label_counts',
                        lambda *args: pytest.fail('labels read twice'))
    assert label_class_counts(dataset).tolist() == counts.tolist()


def test_a_changed_label_is_read_again(roads):
    before = label_class_counts(_dataset(roads))
    _write(roads, road_pixels=(0,) * 6)
    after = label_class_counts(_dataset(roads))
    assert before[:, 1].sum() == 97 and after[:, 1].sum() == 0


def test_ignored_pixels_are_not_counted(tmp_path):
    _write(tmp_path, road_pixels=(10, 0))
    path = tmp_path / 'ann_dir' / 'train' / 'crop_1.png'
    label = np.zeros((16, 16), np.uint8)
    label[:4] = 255                                      # 64 ignored pixels
    cv2.imwrite(str(path), label)
    counts = label_class_counts(DATASETS.build(dict(
        type='FolderSegDataset', data_root=str(tmp_path), binary_255=False,
        data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train'),
        metainfo=dict(classes=('background', 'road')), pipeline=[])))
    assert counts.tolist() == [[246, 10], [192, 0]]


def test_repeat_factors_follow_the_documented_rule():
    counts = np.array([[192, 64], [224, 32], [255, 1], [256, 0]])
    freq = class_frequencies(counts)[1]                  # 97 / 1024
    factors = item_repeat_factors(counts, oversample_thr=0.5, min_share=0.005,
                                  empty_weight=0.25)
    road = math.sqrt(0.5 / freq)
    # 1 / 256 < 0.005: the near-empty crop counts as empty
    assert factors.tolist() == pytest.approx([road, road, 0.25, 0.25])
    # a class at least as frequent as the threshold is not oversampled
    assert item_repeat_factors(counts, 0.05).tolist() == pytest.approx([1, 1, 1, 1])
    with pytest.raises(ValueError, match='empty_weight=-1 must be a number >= 0'):
        item_repeat_factors(counts, 0.5, empty_weight=-1)


def test_class_weights_keep_the_mean_pixel_weight_at_one():
    freq = np.array([0.96, 0.04])
    weights = class_weights(freq)
    assert float(freq @ weights) == pytest.approx(1.0)
    assert weights[1] / weights[0] == pytest.approx(math.sqrt(0.96 / 0.04))
    inverse = class_weights(freq, power=1.0)
    assert inverse[1] / inverse[0] == pytest.approx(0.96 / 0.04)
    assert class_weights(freq, power=0.0).tolist() == pytest.approx([1.0, 1.0])


def test_the_sampler_is_a_config_switch_and_oversamples_road_crops(roads):
    dataset = _dataset(roads)
    cfg = dict(type='ForegroundBalancedSampler', oversample_thr=0.5, empty_weight=0.5)
    sampler = DATA_SAMPLERS.build(cfg, default_args=dict(dataset=dataset, seed=3))
    assert isinstance(sampler, ForegroundBalancedSampler)
    draws = list(itertools.islice(iter(sampler), 6000))
    share = np.bincount(draws, minlength=6) / len(draws)
    factors = sampler.repeat_factors
    assert share == pytest.approx(factors / factors.sum(), abs=0.02)
    # road crops drawn ~2.8 times per pass, empty ones half the time
    assert share[0] > 5 * share[3]
    again = DATA_SAMPLERS.build(cfg, default_args=dict(dataset=dataset, seed=3))
    other = DATA_SAMPLERS.build(cfg, default_args=dict(dataset=dataset, seed=4))
    assert list(itertools.islice(iter(again), 200)) == draws[:200]
    assert list(itertools.islice(iter(other), 200)) != draws[:200]
    assert len(sampler) == round(factors.sum())


def test_patch_items_count_their_own_box(roads):
    patches = DATASETS.build(dict(type='PatchDataset', dataset=dict(
        type='FolderSegDataset', data_root=str(roads),
        data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train'),
        metainfo=dict(classes=('background', 'road'))), patch_size=8))
    counts = label_class_counts(patches)
    assert counts.shape == (24, 2) and counts.sum() == 6 * 256
    # crop 0: its 64 road pixels are the first 4 rows, all in its two top patches
    assert counts[:4, 1].tolist() == [32, 32, 0, 0]


def test_label_stats_prints_what_a_config_writes(roads, tmp_path):
    config = tmp_path / 'roads_cfg.py'
    config.write_text(
        'train_dataloader = dict(dataset=dict(type="FolderSegDataset", '
        f'data_root={str(roads)!r}, data_prefix=dict(img_path="img_dir/train", '
        'seg_map_path="ann_dir/train"), metainfo=dict(classes=("background", "road"))))\n')
    stats = describe(str(config))
    assert stats['items'] == 6 and stats['items_holding'] == dict(background=6, road=3)
    assert stats['pixel_pct']['road'] == pytest.approx(100 * 97 / 1536, abs=1e-3)
    assert stats['class_weight'] == pytest.approx(
        class_weights([1 - 97 / 1536, 97 / 1536]).tolist(), abs=1e-4)
