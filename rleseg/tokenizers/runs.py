"""Run extraction and painting on flat arrays (vectorised numpy, no Python loop over runs).

A *run* is a maximal stretch of equal, non-background values in a flattened class grid.
Runs are described by three parallel 1-D int64 arrays ``starts`` (0-based flat index),
``lengths`` (>= 1) and ``values`` (the class / group id painted by the run).

Flattening is row-major (``order='row'``, the last axis varies fastest) or column-major
within each frame (``order='col'``: the last two axes are swapped before flattening; a
leading frame axis, if any, stays slowest). Runs are never broken at row or frame ends.
"""
from __future__ import annotations

from typing import NamedTuple, Optional, Sequence, Tuple

import numpy as np

ORDERS = ('row', 'col')


class Runs(NamedTuple):
    """Runs of a flat grid; all arrays int64 with shape (R,), sorted by start unless noted."""

    starts: np.ndarray
    lengths: np.ndarray
    values: np.ndarray

    def __len__(self) -> int:  # number of runs
        return int(self.starts.shape[0])

    def take(self, index) -> 'Runs':
        """Runs selected by a slice, boolean mask or index array."""
        return Runs(self.starts[index], self.lengths[index], self.values[index])

    @classmethod
    def empty(cls) -> 'Runs':
        z = np.zeros(0, np.int64)
        return cls(z, z.copy(), z.copy())


def check_order(order: str) -> str:
    """Return ``order`` if it is a known flattening order, else raise ValueError."""
    if order not in ORDERS:
        raise ValueError(f'order must be one of {ORDERS}, got {order!r}')
    return order


def ordered_shape(shape: Sequence[int], order: str) -> Tuple[int, ...]:
    """Shape of the grid in flattening order: ``(..., H, W)`` for row, ``(..., W, H)`` for col."""
    shape = tuple(int(s) for s in shape)
    if check_order(order) == 'col' and len(shape) >= 2:
        return shape[:-2] + (shape[-1], shape[-2])
    return shape


def flatten(grid: np.ndarray, order: str = 'row') -> np.ndarray:
    """Flatten a (..., H, W) grid to 1-D in the given order (a view when possible)."""
    if check_order(order) == 'col' and grid.ndim >= 2:
        grid = np.swapaxes(grid, -1, -2)
    return np.ascontiguousarray(grid).reshape(-1)


def unflatten(flat: np.ndarray, shape: Sequence[int], order: str = 'row') -> np.ndarray:
    """Inverse of :func:`flatten`: 1-D array of prod(shape) values -> grid of ``shape``."""
    grid = flat.reshape(ordered_shape(shape, order))
    if order == 'col' and grid.ndim >= 2:
        grid = np.ascontiguousarray(np.swapaxes(grid, -1, -2))
    return grid


def extract_runs(flat: np.ndarray, background: int = 0,
                 ignore_index: Optional[int] = None,
                 segment: Optional[int] = None) -> Runs:
    """Maximal runs of equal values in ``flat`` (1-D), skipping background and ignore.

    Runs of all classes come out merged and sorted by start (they are the constant
    segments of the vector). Cost: one comparison pass plus O(R); no copy or upcast of
    the input (values are widened to int64 only for the kept runs).

    Args:
        flat: (n,) integer (or bool) array.
        background: value that never becomes a run.
        ignore_index: a second value that never becomes a run (e.g. 255), or None.
        segment: if given, runs are also cut every ``segment`` pixels (used to process a
            batch of B flattened grids concatenated into one (B*segment,) vector).
    Returns:
        :class:`Runs` with starts, lengths, values (int64).
    """
    flat = np.asarray(flat).reshape(-1)
    n = flat.shape[0]
    if n == 0:
        return Runs.empty()
    bounds = segment_bounds(flat, segment)
    values = flat[bounds[:-1]]
    keep = values != background
    if ignore_index is not None:
        keep &= values != ignore_index
    idx = keep.nonzero()[0]
    starts = bounds[idx]
    return Runs(starts, bounds[idx + 1] - starts, values[idx].astype(np.int64))


def segment_bounds(flat: np.ndarray, segment: Optional[int] = None) -> np.ndarray:
    """(n,) array -> sorted int64 (K+1,) bounds of its K constant segments: 0, every
    change point, every multiple of ``segment`` (when given) and n."""
    n = flat.shape[0]
    first = np.empty(n + 1, bool)        # first[i]: a segment starts at i (i = n: the end)
    first[0] = first[n] = True
    np.not_equal(flat[1:], flat[:-1], out=first[1:n])
    if segment is not None:
        first[segment:n:segment] = True
    return first.nonzero()[0]


def change_points(flat: np.ndarray, segment: Optional[int] = None) -> np.ndarray:
    """Sorted positions i in [1, n) where ``flat[i] != flat[i-1]`` (int64), plus every
    multiple of ``segment`` when given (segment starts of a concatenated batch).

    (Word-level scans of the change signal were measured and were not faster on real
    masks than this compare + ``np.flatnonzero``, which dominates run extraction.)
    """
    flat = np.asarray(flat).reshape(-1)
    if flat.shape[0] == 0:
        return np.zeros(0, np.int64)
    return segment_bounds(flat, segment)[1:-1]


def split_runs(runs: Runs, max_length: Optional[int]) -> Runs:
    """Split every run longer than ``max_length`` into consecutive chunks of <= max_length.

    Chunks keep the run's value; the order of the input runs is preserved (chunks of one
    run are consecutive), so sorted input stays sorted.
    """
    if max_length is None or len(runs) == 0:
        return runs
    m = int(max_length)
    if m < 1:
        raise ValueError(f'max_length must be >= 1, got {max_length}')
    if runs.lengths.max() <= m:
        return runs
    n_chunks = (runs.lengths + (m - 1)) // m
    total = int(n_chunks.sum())
    first = np.cumsum(n_chunks) - n_chunks
    within = np.arange(total, dtype=np.int64) - np.repeat(first, n_chunks)
    starts = np.repeat(runs.starts, n_chunks) + within * m
    lengths = np.minimum(m, np.repeat(runs.lengths, n_chunks) - within * m)
    return Runs(starts, lengths, np.repeat(runs.values, n_chunks))


def paint_runs(n: int, starts: np.ndarray, lengths: np.ndarray, values: np.ndarray,
               background: int = 0, dtype=np.int64) -> np.ndarray:
    """Paint runs onto a flat canvas of ``n`` background pixels; later runs win overlaps.

    Runs must lie inside [0, n) (callers clip first). Non-overlapping runs (the normal
    case) are painted by a single ``np.repeat`` over the alternating gap/run segments;
    overlapping runs are resolved exactly ("later run in input order wins") with
    ``np.maximum.at`` over run indices.

    Args:
        n: canvas length.
        starts, lengths, values: (R,) arrays, runs in painting order.
        background: canvas fill value.
        dtype: output dtype.
    Returns:
        (n,) array of ``dtype``.
    """
    starts = np.asarray(starts, np.int64)
    lengths = np.asarray(lengths, np.int64)
    values = np.asarray(values)
    r = starts.shape[0]
    if r == 0:
        return np.full(n, background, dtype)
    ends = starts + lengths
    gaps = starts[1:] - ends[:-1]            # >= 0 everywhere: sorted and disjoint
    if r > 1 and gaps.min() < 0:
        if np.any(starts[1:] < starts[:-1]):
            order = np.argsort(starts, kind='stable')
            s, ln = starts[order], lengths[order]
            if not np.any(s[1:] < (s + ln)[:-1]):  # disjoint once sorted
                return paint_runs(n, s, ln, values[order], background, dtype)
        return _paint_overlapping(n, starts, lengths, values, background, dtype)
    seg_len = np.empty(2 * r + 1, np.int64)   # gap, run, gap, run, ..., gap
    seg_len[0] = starts[0]
    seg_len[2:-1:2] = gaps
    seg_len[1::2] = lengths
    seg_len[-1] = n - ends[-1]
    seg_val = np.full(2 * r + 1, background, dtype)
    seg_val[1::2] = values
    return np.repeat(seg_val, seg_len)


def _paint_overlapping(n: int, starts: np.ndarray, lengths: np.ndarray,
                       values: np.ndarray, background: int, dtype) -> np.ndarray:
    """Exact painting when runs overlap: each pixel takes the value of its last run."""
    total = int(lengths.sum())
    offsets = np.cumsum(lengths) - lengths
    pix = np.repeat(starts - offsets, lengths) + np.arange(total, dtype=np.int64)
    run_of_pix = np.repeat(np.arange(starts.shape[0], dtype=np.int64), lengths)
    winner = np.full(n, -1, np.int64)
    np.maximum.at(winner, pix, run_of_pix)
    lut = np.empty(starts.shape[0] + 1, dtype)
    lut[:-1] = values
    lut[-1] = background
    return lut[winner]


def runs_of_grid(grid: np.ndarray, order: str = 'row', max_length: Optional[int] = None,
                 background: int = 0, ignore_index: Optional[int] = None) -> Runs:
    """Flatten ``grid`` in ``order``, extract its runs and split them at ``max_length``."""
    runs = extract_runs(flatten(grid, order), background, ignore_index)
    return split_runs(runs, max_length)


def grid_of_runs(runs: Runs, shape: Sequence[int], order: str = 'row', background: int = 0,
                 dtype=np.int64) -> np.ndarray:
    """Paint ``runs`` (flat indices in ``order``) onto a grid of ``shape``."""
    n = int(np.prod(shape))
    flat = paint_runs(n, runs.starts, runs.lengths, runs.values, background, dtype)
    return unflatten(flat, shape, order)
