"""Run extraction / painting on flat arrays, and the cross-check against pycocotools."""
import numpy as np
import pycocotools.mask as mask_utils
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from rleseg.tokenizers.runs import (Runs, change_points, extract_runs, flatten, grid_of_runs,
                                    paint_runs, runs_of_grid, split_runs, unflatten)


def test_extract_runs_merged_sorted_and_wrapping():
    flat = np.array([0, 1, 1, 0, 0, 1, 1, 2, 2, 2, 0, 0, 0, 0, 0, 0])
    runs = extract_runs(flat)
    assert runs.starts.tolist() == [1, 5, 7]
    assert runs.lengths.tolist() == [2, 2, 3]
    assert runs.values.tolist() == [1, 1, 2]


def test_extract_runs_skips_background_and_ignore():
    flat = np.array([255, 255, 1, 255, 1, 0, 3])
    runs = extract_runs(flat, ignore_index=255)
    assert runs.starts.tolist() == [2, 4, 6]
    assert runs.lengths.tolist() == [1, 1, 1]
    assert runs.values.tolist() == [1, 1, 3]
    assert len(extract_runs(np.zeros(0, np.uint8))) == 0
    assert len(extract_runs(np.zeros(7, np.uint8))) == 0


def test_split_runs_chunks():
    runs = Runs(np.array([0, 20]), np.array([7, 3]), np.array([1, 2]))
    out = split_runs(runs, 3)
    assert out.starts.tolist() == [0, 3, 6, 20]
    assert out.lengths.tolist() == [3, 3, 1, 3]
    assert out.values.tolist() == [1, 1, 1, 2]
    assert split_runs(runs, None) is runs


def test_paint_overlap_later_run_wins():
    # run 1 paints [2, 6) with 5, run 2 paints [4, 8) with 7, run 3 paints [0, 3) with 9
    out = paint_runs(10, np.array([2, 4, 0]), np.array([4, 4, 3]), np.array([5, 7, 9]))
    assert out.tolist() == [9, 9, 9, 5, 7, 7, 7, 7, 0, 0]
    # unsorted, non-overlapping runs take the fast path and give the same canvas
    out = paint_runs(6, np.array([4, 0]), np.array([2, 1]), np.array([3, 2]), background=1)
    assert out.tolist() == [2, 1, 1, 1, 3, 3]


def test_flatten_orders_roundtrip():
    grid = np.arange(2 * 3 * 4).reshape(2, 3, 4)
    assert flatten(grid[0], 'row').tolist() == grid[0].ravel().tolist()
    assert flatten(grid[0], 'col').tolist() == grid[0].ravel(order='F').tolist()
    # frames stay slowest in column order
    assert flatten(grid, 'col')[:12].tolist() == grid[0].ravel(order='F').tolist()
    for order in ('row', 'col'):
        assert np.array_equal(unflatten(flatten(grid, order), grid.shape, order), grid)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 9), st.integers(1, 9), st.integers(2, 5), st.integers(1, 12),
       st.sampled_from(['row', 'col']), st.data())
def test_runs_roundtrip(h, w, c, max_length, order, data):
    grid = data.draw(arrays(np.uint8, (h, w), elements=st.integers(0, c - 1)))
    runs = runs_of_grid(grid, order, max_length)
    assert np.all(runs.lengths >= 1) and np.all(runs.lengths <= max_length)
    assert np.all(np.diff(runs.starts) > 0)
    assert np.array_equal(grid_of_runs(runs, grid.shape, order, dtype=np.uint8), grid)


def _coco_counts(binary: np.ndarray) -> np.ndarray:
    """pycocotools' RLE counts (alternating background / foreground, column-major)."""
    rle = mask_utils.encode(np.asfortranarray(binary.astype(np.uint8)))
    s = rle['counts'].decode()
    counts, p = [], 0
    while p < len(s):  # pycocotools' rleFrString (maskApi.c)
        x, k, more = 0, 0, True
        while more:
            c = ord(s[p]) - 48
            x |= (c & 0x1f) << (5 * k)
            more = bool(c & 0x20)
            p += 1
            k += 1
            if not more and (c & 0x10):
                x |= -1 << (5 * k)
        if len(counts) > 2:
            x += counts[-2]
        counts.append(x)
    return np.asarray(counts, np.int64)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 12), st.integers(1, 12), st.data())
def test_binary_runs_agree_with_pycocotools(h, w, data):
    binary = data.draw(arrays(np.uint8, (h, w), elements=st.integers(0, 1)))
    counts = _coco_counts(binary)
    assert counts.sum() == h * w
    bounds = np.concatenate([[0], np.cumsum(counts)])
    coco_starts, coco_lengths = bounds[1:-1:2], counts[1::2]
    keep = coco_lengths > 0
    ours = runs_of_grid(binary, order='col')  # pycocotools is column-major
    assert ours.starts.tolist() == coco_starts[keep].tolist()
    assert ours.lengths.tolist() == coco_lengths[keep].tolist()
    # and the painted grid equals pycocotools' decode of its own RLE
    decoded = mask_utils.decode(mask_utils.encode(np.asfortranarray(binary)))
    assert np.array_equal(grid_of_runs(ours, binary.shape, 'col', dtype=np.uint8), decoded)



def test_segmented_extraction_cuts_at_segment_ends():
    flat = np.array([1, 1, 1, 1, 1, 1, 0, 2, 2])  # two grids of 3 and a third one
    runs = extract_runs(flat, segment=3)
    assert runs.starts.tolist() == [0, 3, 7] and runs.lengths.tolist() == [3, 3, 2]
    assert change_points(flat).tolist() == [6, 7]


@settings(max_examples=60, deadline=None)
@given(st.integers(4000, 9000), st.integers(0, 60), st.data())
def test_change_points_with_segments(n, n_changes, data):
    """change_points equals the plain compare, plus the segment starts when given."""
    cuts = sorted(data.draw(st.lists(st.integers(1, n - 1), min_size=n_changes,
                                     max_size=n_changes)))
    flat = np.zeros(n, np.uint8)
    for i, c in enumerate(cuts):
        flat[c:] = (i + 1) % 5
    dense = data.draw(st.integers(0, 64))
    flat[n // 2:n // 2 + dense] = np.arange(dense) % 3  # bytes with several changes
    expected = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    assert change_points(flat).tolist() == expected.tolist()
    seg = data.draw(st.integers(1, n))
    with_seg = np.union1d(expected, np.arange(seg, n, seg))
    assert change_points(flat, seg).tolist() == with_seg.tolist()
