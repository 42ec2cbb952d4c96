"""Patch grids, patch extraction and stitching of patch / window predictions.

The paper's geometry (docs/tokenizer.md, "From image to mask grid"): the image is
resized to R x R, cut into P x P windows with stride s (border windows padded; training
may draw each step of the grid from a stride range [a, b]), and predictions of
overlapping windows are merged back by max / min / mode. Boxes are
``(y0, x0, y1, x1)`` half-open pixel coordinates in the resized image; a border
box may extend past the image (that part is padding).

Pure numpy; the model stream calls :func:`stitch_patches` for sliding-window
inference, the video evaluation calls :func:`stitch_windows`.
"""
from __future__ import annotations

from typing import Iterable, Optional, Sequence, Union

import numpy as np

from rleseg.tokenizers import upsample

Box = tuple[int, int, int, int]
MERGE_MODES = ('max', 'min', 'mode')


def grid_starts(size: int, patch: int, stride: Optional[int] = None,
                stride_range: Optional[tuple[int, int]] = None,
                rng: Optional[np.random.Generator] = None) -> list[int]:
    """Start offsets of windows of length ``patch`` covering ``[0, size)``.

    Starts are 0, s1, s1+s2, ... with every step ``stride`` (default ``patch``)
    or, when ``stride_range=(a, b)`` is given, drawn uniformly from ``[a, b]``
    with ``rng``; the last window is the first one reaching ``size`` (it may
    extend past the end: padding).
    """
    if patch <= 0 or size <= 0:
        raise ValueError(f'grid_starts: size {size} and patch {patch} must be positive')
    if stride_range is not None:
        lo, hi = stride_range
        if not 0 < lo <= hi <= patch:
            raise ValueError(f'stride_range {stride_range} must satisfy 0 < a <= b <= '
                             f'patch ({patch})')
        rng = rng if rng is not None else np.random.default_rng()
    step = patch if stride is None else stride
    if not 0 < step <= patch:
        raise ValueError(f'stride {step} must be in [1, patch={patch}] so windows cover '
                         'the image')
    starts = [0]
    while starts[-1] + patch < size:
        step_i = int(rng.integers(lo, hi + 1)) if stride_range is not None else step
        starts.append(starts[-1] + step_i)
    return starts


def patch_boxes(shape: tuple[int, int], patch_size: Union[int, tuple[int, int]],
                stride: Union[None, int, tuple[int, int]] = None,
                stride_range: Optional[tuple[int, int]] = None,
                rng: Optional[np.random.Generator] = None) -> list[Box]:
    """All boxes ``(y0, x0, y1, x1)`` of the patch grid over an ``(H, W)`` image,
    row by row. See :func:`grid_starts` for ``stride`` / ``stride_range``."""
    ph, pw = (patch_size, patch_size) if isinstance(patch_size, int) else patch_size
    sh, sw = (stride, stride) if stride is None or isinstance(stride, int) else stride
    ys = grid_starts(shape[0], ph, sh, stride_range, rng)
    xs = grid_starts(shape[1], pw, sw, stride_range, rng)
    return [(y, x, y + ph, x + pw) for y in ys for x in xs]


def extract_patch(array: np.ndarray, box: Box, pad_value: Union[int, float] = 0,
                  axes: tuple[int, int] = (0, 1)) -> np.ndarray:
    """Crop ``box`` from ``array`` along ``axes`` (H, W), padding outside the array.

    Works for ``(H, W)``, ``(H, W, C)`` (axes (0, 1)) and ``(N, H, W[, C])``
    (axes (1, 2)) arrays; the result has the box size along ``axes``.
    """
    y0, x0, y1, x1 = box
    ay, ax = axes
    h, w = array.shape[ay], array.shape[ax]
    if y1 <= y0 or x1 <= x0 or y0 < 0 or x0 < 0 or y0 >= h or x0 >= w:
        raise ValueError(f'patch box {box} does not start inside the {h}x{w} image')
    index = [slice(None)] * array.ndim
    index[ay], index[ax] = slice(y0, min(y1, h)), slice(x0, min(x1, w))
    crop = array[tuple(index)]
    pad = [(0, 0)] * array.ndim
    pad[ay], pad[ax] = (0, y1 - min(y1, h)), (0, x1 - min(x1, w))
    if any(p != (0, 0) for p in pad):
        crop = np.pad(crop, pad, mode='constant', constant_values=pad_value)
    return np.ascontiguousarray(crop)


def _upsample_to(patch: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Nearest upsampling of ``(h, w)`` to ``size`` by integer factors."""
    h, w = patch.shape[:2]
    if (h, w) == tuple(size):
        return patch
    if size[0] % h or size[1] % w:
        raise ValueError(f'patch of size {h}x{w} does not divide its box {size[0]}x'
                         f'{size[1]} by an integer factor')
    return upsample(patch, (size[0] // h, size[1] // w))


def stitch_patches(patches: Sequence[np.ndarray],
                   boxes: Sequence[Box],
                   out_shape: tuple[int, int],
                   merge: str = 'mode',
                   num_classes: Optional[int] = None,
                   fill_value: int = 0,
                   ignore_index: Optional[int] = 255) -> np.ndarray:
    """Merge per-patch class maps back into one ``out_shape`` class map.

    Args:
        patches: ``(h, w)`` integer class maps, one per box. A map smaller than its
            box by an integer factor k (a predicted S x S mask of a P x P patch,
            P = k S) is upsampled x k (nearest) first.
        boxes: ``(y0, x0, y1, x1)`` of each patch in the output image; parts outside
            ``out_shape`` (border padding) are dropped.
        out_shape: ``(H, W)`` of the stitched map (the resized image).
        merge: how overlapping predictions of one pixel combine: ``'max'``,
            ``'min'`` or ``'mode'`` (most frequent class; ties -> smaller id).
        num_classes: C for ``'mode'``; default ``max label + 1``.
        fill_value: value of pixels no patch covers.
        ignore_index: patch value that does not vote (None: every value votes).

    Returns:
        ``(H, W)`` int64 class map.
    """
    if merge not in MERGE_MODES:
        raise ValueError(f'merge {merge!r} must be one of {MERGE_MODES}')
    if len(patches) != len(boxes):
        raise ValueError(f'{len(patches)} patches but {len(boxes)} boxes')
    h, w = out_shape
    pieces = []
    for patch, (y0, x0, y1, x1) in zip(patches, boxes):
        full = _upsample_to(np.asarray(patch), (y1 - y0, x1 - x0))
        ye, xe = min(y1, h), min(x1, w)
        pieces.append(((y0, x0, ye, xe), full[:ye - y0, :xe - x0].astype(np.int64)))
    return _merge(pieces, (h, w), merge, num_classes, fill_value, ignore_index)


def _merge(pieces: Iterable[tuple[Box, np.ndarray]], shape: tuple[int, ...], merge: str,
           num_classes: Optional[int], fill_value: int,
           ignore_index: Optional[int]) -> np.ndarray:
    """Merge ``(box, values)`` pieces (values already clipped to the box)."""
    pieces = list(pieces)
    if merge == 'mode':
        top = max((int(v[v != ignore_index].max(initial=-1)) if ignore_index is not None
                   else int(v.max(initial=-1))) for _, v in pieces) if pieces else -1
        c = num_classes if num_classes is not None else top + 1
        if top >= c:
            raise ValueError(f'label {top} >= num_classes {c}')
        votes = np.zeros((max(c, 1), *shape), dtype=np.int32)
        for (y0, x0, y1, x1), v in pieces:
            valid = v != ignore_index if ignore_index is not None else np.ones_like(v, bool)
            for cls in np.unique(v[valid]):
                votes[cls, y0:y1, x0:x1] += (v == cls)
        out = votes.argmax(axis=0).astype(np.int64)
        out[votes.sum(axis=0) == 0] = fill_value
        return out
    init = np.iinfo(np.int64).min if merge == 'max' else np.iinfo(np.int64).max
    acc = np.full(shape, init, dtype=np.int64)
    reduce = np.maximum if merge == 'max' else np.minimum
    for (y0, x0, y1, x1), v in pieces:
        if ignore_index is not None:
            v = np.where(v == ignore_index, init, v)
        acc[y0:y1, x0:x1] = reduce(acc[y0:y1, x0:x1], v)
    acc[acc == init] = fill_value
    return acc


def stitch_windows(window_masks: Sequence[np.ndarray],
                   window_frames: Sequence[Sequence[int]],
                   merge: str = 'mode',
                   num_classes: Optional[int] = None,
                   ignore_index: Optional[int] = 255) -> dict[int, np.ndarray]:
    """Merge predictions of overlapping video windows into one mask per frame.

    Args:
        window_masks: per window an ``(N, H, W)`` class map (frame t of the window
            is ``window_masks[i][t]``).
        window_frames: per window the N frame ids it covers (``frame_ids`` of the
            window item); all frames of a sequence share one ``(H, W)``.
        merge / num_classes / ignore_index: as :func:`stitch_patches`.

    Returns:
        ``{frame_id: (H, W) int64 class map}`` for every frame covered.
    """
    if merge not in MERGE_MODES:
        raise ValueError(f'merge {merge!r} must be one of {MERGE_MODES}')
    per_frame: dict[int, list[np.ndarray]] = {}
    for masks, frames in zip(window_masks, window_frames, strict=True):
        masks = np.asarray(masks)
        if masks.ndim != 3 or len(masks) != len(frames):
            raise ValueError(f'window masks {masks.shape} do not match frames {list(frames)}')
        for frame, mask in zip(frames, masks):
            per_frame.setdefault(int(frame), []).append(mask.astype(np.int64))
    out = {}
    for frame, masks in sorted(per_frame.items()):
        shape = masks[0].shape
        if any(m.shape != shape for m in masks):
            raise ValueError(f'frame {frame}: window predictions differ in size')
        box = (0, 0, *shape)
        out[frame] = _merge([(box, m) for m in masks], shape, merge, num_classes, 0,
                            ignore_index)
    return out

