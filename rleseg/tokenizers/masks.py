"""Mask-level operations before tokenisation: subsampling, upsampling, label remapping.

All functions work on the last two axes, so (H, W) masks and (N, H, W) windows are handled
alike.
"""
from __future__ import annotations

from typing import Mapping, Optional, Tuple, Union

import numpy as np

SUBSAMPLE_MODES = ('nearest', 'any')


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
    blocks = mask.reshape(mask.shape[:-2] + (p // k, k, q // k, k))
    if ignore_index is None:
        return blocks.max(axis=(-3, -1))
    wide = blocks.astype(np.int64)
    voted = np.where(wide == ignore_index, -1, wide).max(axis=(-3, -1))
    return np.where(voted < 0, ignore_index, voted).astype(mask.dtype)


def upsample(mask: np.ndarray, factor: Union[int, Tuple[int, int]]) -> np.ndarray:
    """Nearest upsampling of a (..., H, W) mask by integer factors (block repeat).

    Args:
        mask: (..., H, W) labels.
        factor: k for both axes, or (ky, kx).

    Returns:
        (..., H * ky, W * kx) labels.
    """
    ky, kx = (factor, factor) if np.isscalar(factor) else factor
    ky, kx = int(ky), int(kx)
    if ky == 1 and kx == 1:
        return mask
    return np.repeat(np.repeat(mask, ky, axis=-2), kx, axis=-1)


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
