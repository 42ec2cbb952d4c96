"""Mask-level operations before tokenisation: subsampling, upsampling, label remapping.

All functions work on the last two axes, so (H, W) masks and (N, H, W) windows are handled
alike.
"""
from __future__ import annotations

from typing import Mapping, Optional, Sequence, Tuple, Union

import numpy as np

SUBSAMPLE_MODES = ('nearest', 'any', 'majority')
UPSAMPLE_MODES = ('nearest', 'bilinear')


def check_labels(mask: np.ndarray, ignore_index: Optional[int] = 255) -> np.ndarray:
    """Reject labels that are not non-negative integers (or ``ignore_index``).

    Runs before :func:`remap_labels` and :func:`subsample`, which would otherwise map a
    float or negative label to something valid (truncation, a lookup, an 'any' vote).

    Args:
        mask: (..., H, W) labels of any numeric dtype.
        ignore_index: the one value allowed outside ``[0, inf)``; None for none.

    Returns:
        ``mask`` unchanged if it is an integer array, else its int64 copy (float
        masks whose values are all whole numbers).

    Raises:
        ValueError: a non-integer dtype (bool is accepted), a fractional / NaN / inf
            value, or a negative label that is not ``ignore_index``.
    """
    mask = np.asarray(mask)
    kind = mask.dtype.kind
    if kind in 'ub' or mask.size == 0:
        return mask
    if kind == 'f':
        if not (np.isfinite(mask).all() and np.all(mask == np.floor(mask))):
            raise ValueError(f'mask has non-integer values (dtype {mask.dtype})')
        mask = mask.astype(np.int64)
    elif kind != 'i':
        raise ValueError(f'mask must hold integer labels, got dtype {mask.dtype}')
    if int(mask.min()) < 0:
        negative = mask < 0
        if ignore_index is not None:
            negative &= mask != ignore_index
        if negative.any():
            raise ValueError(f'mask label {int(mask[negative].min())} is negative and is '
                             f'not the ignore index {ignore_index}')
    return mask


def subsample(mask: np.ndarray, factor: int, mode: str = 'nearest',
              ignore_index: Optional[int] = 255) -> np.ndarray:
    """Shrink a (..., P, Q) mask by an integer ``factor`` k to (..., P/k, Q/k).

    Modes:
        'nearest': the top-left pixel of every k x k block (what ``cv2.resize`` with
            INTER_NEAREST picks for an integer factor), so ``subsample(upsample(m, k), k)
            == m``.
        'any': a block takes the highest class id present in it ("any pixel of the class
            in the block, higher class wins"); ``ignore_index`` pixels do not vote, and a
            block that is entirely ignore stays ignore.
        'majority': a block takes its most frequent label (ties: the higher label, as in
            'any'); ``ignore_index`` pixels do not vote, a block that is entirely ignore
            stays ignore. Unlike 'nearest' it is not shifted by (k - 1) / 2 pixels
            towards the top-left, and unlike 'any' it does not grow thin classes.
    """
    k = int(factor)
    if k < 1:
        raise ValueError(f'subsample: factor must be >= 1, got {factor}')
    if mode not in SUBSAMPLE_MODES:
        raise ValueError(f'subsample: mode must be one of {SUBSAMPLE_MODES}, got {mode!r}')
    if k == 1:
        return mask
    p, q = mask.shape[-2:]
    if p % k or q % k:
        raise ValueError(f'subsample: mask of shape {mask.shape} is not divisible by '
                         f'factor {k}')
    if mode == 'nearest':
        return np.ascontiguousarray(mask[..., ::k, ::k])
    if mode == 'majority':
        return _block_majority(mask, k, ignore_index).astype(mask.dtype)
    if ignore_index is None:
        return _block_reduce(mask, k, np.maximum)
    wide = mask.astype(np.int16 if mask.dtype.kind in 'ub' and mask.dtype.itemsize == 1
                       else np.int64)
    voted = _block_reduce(np.where(wide == ignore_index, -1, wide), k, np.maximum)
    return np.where(voted < 0, ignore_index, voted).astype(mask.dtype)


def _block_reduce(array: np.ndarray, k: int, ufunc: np.ufunc,
                  dtype: Optional[type] = None) -> np.ndarray:
    """(..., S k, T k) -> (..., S, T): ``ufunc`` over every k x k block, first over the k
    rows of a block row (whole rows at a time), then over each k columns (reduceat):
    several times faster than one reduction over a (..., S, k, T, k) view."""
    p, q = array.shape[-2:]
    rows = ufunc.reduce(array.reshape(array.shape[:-2] + (p // k, k, q)), axis=-2,
                        dtype=dtype)
    return ufunc.reduceat(rows, np.arange(0, q, k), axis=-1)


def _labels_present(mask: np.ndarray) -> np.ndarray:
    """Sorted distinct labels of ``mask`` (a counting pass for 8 / 16-bit unsigned
    masks, instead of :func:`np.unique`'s sort)."""
    if mask.dtype.kind in 'ub' and mask.dtype.itemsize <= 2 and mask.size:
        return np.flatnonzero(np.bincount(mask.reshape(-1).view(
            np.uint8 if mask.dtype.kind == 'b' else mask.dtype)))
    return np.unique(mask)


def _block_majority(mask: np.ndarray, k: int, ignore_index: Optional[int]) -> np.ndarray:
    """(..., S k, T k) labels -> (..., S, T) int64 most frequent label of each k x k
    block (ties: the higher label; ``ignore_index`` votes only in all-ignore blocks)."""
    shape = mask.shape[:-2] + (mask.shape[-2] // k, mask.shape[-1] // k)
    voters = [v for v in _labels_present(mask) if ignore_index is None or v != ignore_index]
    if not voters:
        return np.full(shape, ignore_index, np.int64)
    count_dtype = np.uint16 if k * k < 2 ** 16 else np.int64
    best = np.full(shape, voters[0], np.int64)
    best_count = np.zeros(shape, count_dtype)
    for value in voters:  # ascending, so '>=' hands ties to the higher label
        hot = (mask == value).view(np.uint8)
        count = _block_reduce(hot, k, np.add, count_dtype)
        wins = (count >= best_count) & (count > 0)
        best[wins], best_count[wins] = value, count[wins]
    if ignore_index is not None:
        best[best_count == 0] = ignore_index
    return best


def upsample(mask: np.ndarray, factor: Union[int, Tuple[int, int]], mode: str = 'nearest',
             num_classes: Optional[int] = None) -> np.ndarray:
    """Upsample a (..., H, W) label mask by integer factors (see :func:`resize_labels`).

    Args:
        mask: (..., H, W) labels.
        factor: k for both axes, or (ky, kx).
        mode: one of :data:`UPSAMPLE_MODES`; 'nearest' is a block repeat.
        num_classes: C for 'bilinear' (default: max label + 1).

    Returns:
        (..., H * ky, W * kx) labels.
    """
    ky, kx = (factor, factor) if np.isscalar(factor) else factor
    ky, kx = int(ky), int(kx)
    if ky < 1 or kx < 1:
        raise ValueError(f'upsample: factors must be >= 1, got {factor}')
    if mode == 'nearest':
        return np.repeat(np.repeat(mask, ky, axis=-2), kx, axis=-1) if ky * kx > 1 else mask
    h, w = np.shape(mask)[-2:]
    return resize_labels(mask, (h * ky, w * kx), mode, num_classes)


def resize_labels(mask: np.ndarray, size: Tuple[int, int], mode: str = 'nearest',
                  num_classes: Optional[int] = None) -> np.ndarray:
    """Resize a (..., H, W) label mask to ``size`` = (H', W').

    Modes:
        'nearest': output pixel i takes source cell floor(i H / H') (``F.interpolate``'s
            'nearest'; a block repeat for integer factors).
        'bilinear': the one-hot class maps are interpolated bilinearly (pixel centres,
            ``align_corners=False``, edges clamped: ``F.interpolate``'s rule) and every
            pixel takes the class of highest weight (ties: the lower class id), so
            boundaries follow the cells' centres instead of their staircase. This is
            mmseg's convention of resizing class scores, not labels, applied to a
            one-hot mask. Needs labels in ``[0, num_classes)``.

    Returns:
        (..., H', W') labels ('bilinear': int64).
    """
    if mode not in UPSAMPLE_MODES:
        raise ValueError(f'resize_labels: mode must be one of {UPSAMPLE_MODES}, got '
                         f'{mode!r}')
    mask = np.asarray(mask)
    (h, w), (out_h, out_w) = mask.shape[-2:], (int(size[0]), int(size[1]))
    if (h, w) == (out_h, out_w):
        return mask
    if mode == 'nearest':
        rows = (np.arange(out_h) * h) // out_h
        cols = (np.arange(out_w) * w) // out_w
        return mask[..., rows[:, None], cols[None, :]]
    return _bilinear_labels(mask, (out_h, out_w), num_classes)


def _interpolation(size: int, out: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Source cells (i0, i1) and weight w of cell i1 for each of ``out`` output pixels
    (bilinear, align_corners=False, edges clamped)."""
    centre = (np.arange(out) + 0.5) * (size / out) - 0.5
    low = np.floor(centre)
    weight = np.where(centre < 0, 0.0, centre - low)
    i0 = np.clip(low.astype(np.int64), 0, size - 1)
    return i0, np.minimum(i0 + 1, size - 1), weight


def _check_classes(labels: np.ndarray, num_classes: Optional[int], caller: str) -> int:
    """C (default: max label + 1) after checking every label lies in [0, C)."""
    classes = int(labels.max()) + 1 if num_classes is None else int(num_classes)
    if labels.min() < 0 or labels.max() >= classes:
        raise ValueError(f'{caller}: labels must lie in [0, {classes}), got '
                         f'{int(labels.min())}..{int(labels.max())}')
    return classes


def _bilinear_planes(labels: np.ndarray, size: Tuple[int, int], classes: Sequence[int]):
    """Yield (c, (..., *size) float32 bilinear weight of class c) for each c."""
    y0, y1, wy = _interpolation(labels.shape[-2], size[0])
    x0, x1, wx = _interpolation(labels.shape[-1], size[1])
    wy, wx = wy.astype(np.float32)[:, None], wx.astype(np.float32)
    for c in classes:
        hot = (labels == c).astype(np.float32)
        rows = np.take(hot, y0, axis=-2) * (1 - wy) + np.take(hot, y1, axis=-2) * wy
        yield c, np.take(rows, x0, axis=-1) * (1 - wx) + np.take(rows, x1, axis=-1) * wx


def _bilinear_labels(mask: np.ndarray, size: Tuple[int, int], num_classes: Optional[int]
                     ) -> np.ndarray:
    """(..., H, W) labels -> (..., *size) int64 by one-hot bilinear + argmax."""
    if mask.size == 0:
        return np.zeros(mask.shape[:-2] + tuple(size), np.int64)
    labels = mask.astype(np.int64, copy=False)
    _check_classes(labels, num_classes, "resize_labels('bilinear')")
    best = np.zeros(labels.shape[:-2] + tuple(size), np.int64)
    best_score = np.full(best.shape, -1.0, np.float32)
    # an absent class scores 0 everywhere and some present class scores >= 1/4
    for c, score in _bilinear_planes(labels, size, np.unique(labels)):
        best = np.where(score > best_score, c, best)  # strict: ties keep the lower class
        best_score = np.maximum(best_score, score)
    return best


def label_scores(mask: np.ndarray, size: Tuple[int, int], num_classes: int,
                 mode: str = 'bilinear') -> np.ndarray:
    """Class scores of a (..., H, W) label mask resized to ``size`` = (H', W').

    The soft counterpart of :func:`resize_labels`: 'bilinear' gives the one-hot class
    maps interpolated bilinearly (the weights whose argmax, ties to the lower class,
    is ``resize_labels(..., 'bilinear')``), 'nearest' the one-hot of the nearest
    resize. A model's class scores at its input size, to be resized further (e.g. to
    the image's original shape) before the argmax, as mmseg does with logits.

    Returns:
        (..., C, H', W') float32, C = ``num_classes``; labels must lie in [0, C).
    """
    if mode not in UPSAMPLE_MODES:
        raise ValueError(f'label_scores: mode must be one of {UPSAMPLE_MODES}, '
                         f'got {mode!r}')
    labels = np.asarray(mask).astype(np.int64, copy=False)
    size = (int(size[0]), int(size[1]))
    scores = np.zeros(labels.shape[:-2] + (int(num_classes), ) + size, np.float32)
    if labels.size == 0:
        return scores
    _check_classes(labels, num_classes, 'label_scores')
    if mode == 'nearest':
        labels = resize_labels(labels, size, 'nearest')
        for c in np.unique(labels):
            scores[..., c, :, :] = labels == c
        return scores
    for c, score in _bilinear_planes(labels, size, np.unique(labels)):
        scores[..., c, :, :] = score
    return scores


def remap_labels(mask: np.ndarray, label_map: Optional[Mapping[int, int]]) -> np.ndarray:
    """Apply ``{old: new}`` to every pixel (labels not in the map are unchanged)."""
    if not label_map:
        return mask
    mask = np.asarray(mask)
    if mask.size == 0:
        return mask
    lo = int(min(mask.min(), min(label_map)))
    if lo < 0:
        raise ValueError(f'remap_labels: negative labels are not supported (min {lo})')
    size = int(max(mask.max(), max(label_map))) + 1
    lut = np.arange(size, dtype=np.int64)
    for old, new in label_map.items():
        lut[int(old)] = int(new)
    out = lut[mask.astype(np.int64, copy=False)]
    info = np.iinfo(mask.dtype) if mask.dtype.kind in 'ui' else None
    if info is not None and info.min <= out.min() and out.max() <= info.max:
        return out.astype(mask.dtype)
    return out


def clean_labels(mask: np.ndarray, num_classes: int, ignore_index: Optional[int]) -> np.ndarray:
    """Return uint8 (int64 beyond 256 classes) labels where ``ignore_index`` became 0.

    Raises ValueError when a label is outside [0, num_classes) and not the ignore index.
    Costs one pass (``max``) for an unsigned mask that is already clean.
    """
    mask = np.asarray(mask)
    dtype = np.uint8 if num_classes <= 256 else np.int64
    if mask.dtype.kind == 'f':
        if mask.size and not np.all(np.mod(mask, 1) == 0):
            raise ValueError(f'mask has non-integer values (dtype {mask.dtype})')
    elif mask.dtype.kind not in 'uib':
        raise ValueError(f'mask must hold integer labels, got dtype {mask.dtype}')
    if mask.size == 0:
        return mask.astype(dtype)

    def bounds(m):
        return (0 if m.dtype.kind in 'ub' else int(m.min())), int(m.max())

    lo, hi = bounds(mask)
    if (lo < 0 or hi >= num_classes) and ignore_index is not None:
        ign = mask == ignore_index
        if ign.any():
            mask = np.where(ign, 0, mask)
            lo, hi = bounds(mask)
    if lo < 0 or hi >= num_classes:
        bad = lo if lo < 0 else hi
        raise ValueError(f'mask label {bad} is outside [0, {num_classes}) and is not '
                         f'the ignore index {ignore_index}')
    return mask.astype(dtype, copy=False)
