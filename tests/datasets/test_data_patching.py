"""Patching: grids, ExtractPatch, PatchDataset, and patch -> stitch exactness."""
import numpy as np
import pytest
from mmseg.registry import DATASETS, TRANSFORMS

import rleseg  # noqa: F401
from rleseg.datasets import extract_patch, patch_boxes, stitch_patches, stitch_windows
from rleseg.datasets.patching import MERGE_MODES, grid_starts


@pytest.mark.parametrize('shape', [(70, 90), (64, 64), (33, 100), (20, 20)])
@pytest.mark.parametrize('stride', [None, 16, 24])
@pytest.mark.parametrize('merge', MERGE_MODES)
def test_patch_then_stitch_returns_the_mask_exactly(shape, stride, merge):
    mask = np.random.default_rng(sum(shape)).integers(0, 3, shape)
    boxes = patch_boxes(shape, 32, stride)
    patches = [extract_patch(mask, b, pad_value=255) for b in boxes]
    assert all(p.shape == (32, 32) for p in patches)
    out = stitch_patches(patches, boxes, shape, merge=merge, num_classes=3)
    assert np.array_equal(out, mask)


def test_random_stride_grids_cover_the_image():
    rng = np.random.default_rng(0)
    for _ in range(20):
        starts = grid_starts(150, 40, stride_range=(10, 30), rng=rng)
        steps = np.diff(starts)
        assert starts[0] == 0 and starts[-1] + 40 >= 150 > starts[-2] + 40
        assert ((steps >= 10) & (steps <= 30)).all()
    shape = (97, 131)
    boxes = patch_boxes(shape, 32, stride_range=(8, 32), rng=rng)
    mask = rng.integers(0, 4, shape)
    for merge in MERGE_MODES:
        out = stitch_patches([extract_patch(mask, b, 255) for b in boxes], boxes, shape,
                             merge, num_classes=4)
        assert np.array_equal(out, mask)


def test_stitch_merge_rules_and_subsampled_predictions():
    boxes = [(0, 0, 4, 4), (0, 2, 4, 6), (0, 1, 4, 5)]
    patches = [np.full((4, 4), v) for v in (1, 2, 2)]
    assert stitch_patches(patches, boxes, (4, 6), 'max')[0].tolist() == [1, 2, 2, 2, 2, 2]
    assert stitch_patches(patches, boxes, (4, 6), 'min')[0].tolist() == [1, 1, 1, 1, 2, 2]
    assert stitch_patches(patches, boxes, (4, 6), 'mode')[0].tolist() == [1, 1, 2, 2, 2, 2]
    # tie between classes 1 and 2 -> the smaller id
    assert stitch_patches(patches[:2], boxes[:2], (4, 6), 'mode')[0, 2] == 1
    # an S x S prediction of a P x P patch (P = 4 S) is upsampled x4 (nearest)
    mask = np.kron(np.random.default_rng(1).integers(0, 3, (6, 8)), np.ones((4, 4), int))
    boxes = patch_boxes(mask.shape, 16, 8)
    small = [extract_patch(mask, b, 0)[::4, ::4] for b in boxes]
    assert np.array_equal(stitch_patches(small, boxes, mask.shape, 'mode', 3), mask)
    with pytest.raises(ValueError, match='integer factor'):
        stitch_patches([np.zeros((3, 3))], [(0, 0, 16, 16)], (16, 16))


def test_stitch_windows_merges_per_frame():
    a = np.stack([np.full((2, 2), v) for v in (0, 1, 1)])
    b = np.stack([np.full((2, 2), v) for v in (2, 2, 0)])
    merged = stitch_windows([a, b], [[0, 1, 2], [1, 2, 3]], merge='max')
    assert sorted(merged) == [0, 1, 2, 3]
    assert [int(merged[f][0, 0]) for f in range(4)] == [0, 2, 2, 0]
    merged = stitch_windows([a, a, b], [[0, 1, 2], [0, 1, 2], [1, 2, 3]], merge='mode')
    assert [int(merged[f][0, 0]) for f in range(4)] == [0, 1, 1, 0]   # max would be 2


def test_extract_patch_transform_random_given_and_window():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 255, (50, 70, 3), dtype=np.uint8)
    seg = rng.integers(0, 3, (50, 70)).astype(np.uint8)
    t = TRANSFORMS.build(dict(type='ExtractPatch', patch_size=32, stride_range=(8, 16)))
    np.random.seed(0)
    out = t(dict(img=img, gt_seg_map=seg, seg_fields=['gt_seg_map']))
    y0, x0, y1, x1 = out['patch_box']
    assert out['img'].shape == (32, 32, 3) and out['img_shape'] == (32, 32)
    assert np.array_equal(out['img'], extract_patch(img, out['patch_box'], 0))
    assert np.array_equal(out['gt_seg_map'], extract_patch(seg, out['patch_box'], 255))
    out = t(dict(img=img, gt_seg_map=seg, seg_fields=['gt_seg_map'],
                 patch_box=(40, 60, 72, 92)))
    assert (out['gt_seg_map'][10:] == 255).all() and (out['img'][:, 10:] == 0).all()
    frames = np.stack([img, img // 2])
    masks = np.stack([seg, 2 - seg])
    out = t(dict(img=frames, gt_seg_map=masks, seg_fields=['gt_seg_map'],
                 patch_box=(8, 16, 40, 48)))
    assert out['img'].shape == (2, 32, 32, 3) and out['gt_seg_map'].shape == (2, 32, 32)
    assert np.array_equal(out['gt_seg_map'][1], 2 - seg[8:40, 16:48])


def test_patch_dataset_items_stitch_back_to_the_full_mask(aris_root):
    full_pipeline = [dict(type='LoadImageFromFile'), dict(type='LoadSegAnnotations'),
                     dict(type='Resize', scale=(80, 80), keep_ratio=False)]
    inner = dict(type='ARISDataset', data_root=aris_root, ann_file='splits/test.txt')
    ds = DATASETS.build(dict(type='PatchDataset', dataset=inner, patch_size=32, stride=24,
                             image_size=(80, 80), pipeline=full_pipeline + [
                                 dict(type='ExtractPatch', patch_size=32)]))
    full = DATASETS.build(dict(inner, pipeline=full_pipeline))
    assert len(ds) == 18 * 9
    for source in (0, 17):
        idx = [i for i in range(len(ds)) if ds.get_data_info(i)['source_index'] == source]
        items = [ds[i] for i in idx]
        assert [it['patch_box'] for it in items] == patch_boxes((80, 80), 32, 24)
        stitched = stitch_patches([it['gt_seg_map'] for it in items],
                                  [it['patch_box'] for it in items], (80, 80), 'mode', 3)
        assert np.array_equal(stitched, full[source]['gt_seg_map'])
