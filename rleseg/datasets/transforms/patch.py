"""Patch extraction: the P x P window step of resize -> patch -> subsample.

Subsampling of the mask (P -> S) is the tokenizer's job (``RLETokenize``).
"""
from __future__ import annotations

from typing import Optional, Union

import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness
from mmseg.registry import TRANSFORMS

from ..patching import Box, extract_patch, patch_boxes


@TRANSFORMS.register_module()
class ExtractPatch(BaseTransform):
    """Crop one ``patch_size`` window from the (resized) image and its seg fields.

    The window is ``results['patch_box']`` when the item brings one (set by
    :class:`~rleseg.datasets.PatchDataset` for evaluation), otherwise one box drawn
    uniformly from the patch grid over the image, the grid's steps being
    ``stride`` (default ``patch_size``) or drawn from ``stride_range`` (training).
    Border windows are padded (image ``pad_val``, seg fields ``seg_pad_val``).
    Works for single images ((H, W, C), seg (H, W)) and windows ((N, H, W, C),
    seg (N, H, W)): every frame gets the same box.

    Args:
        patch_size: P (int or (h, w)).
        stride: grid step (int or (sy, sx)); default P.
        stride_range: ``(a, b)``, draw every grid step from [a, b] (training).
        pad_val / seg_pad_val: padding values.

    Required keys: ``img``, ``seg_fields``. Modified: ``img``, the seg fields,
    ``img_shape``. Added: ``patch_box`` ((y0, x0, y1, x1) in the input image).
    """

    def __init__(self, patch_size: Union[int, tuple[int, int]],
                 stride: Union[None, int, tuple[int, int]] = None,
                 stride_range: Optional[tuple[int, int]] = None,
                 pad_val: Union[int, float] = 0, seg_pad_val: int = 255) -> None:
        self.patch_size = patch_size
        self.stride = stride
        self.stride_range = tuple(stride_range) if stride_range is not None else None
        self.pad_val, self.seg_pad_val = pad_val, seg_pad_val

    @cache_randomness
    def choose_box(self, shape: tuple[int, int]) -> Box:
        """One box of a (random-stride) grid over ``shape``; numpy global RNG."""
        rng = np.random.default_rng(np.random.randint(2**31))
        boxes = patch_boxes(shape, self.patch_size, self.stride, self.stride_range, rng)
        return boxes[int(rng.integers(len(boxes)))]

    def transform(self, results: dict) -> dict:
        img = results['img']
        window = img.ndim == 4
        axes = (1, 2) if window else (0, 1)
        shape = img.shape[axes[0]], img.shape[axes[1]]
        box = results.get('patch_box')
        box = tuple(int(v) for v in box) if box is not None else self.choose_box(shape)
        results['img'] = extract_patch(img, box, self.pad_val, axes)
        for key in results.get('seg_fields', []):
            seg = results[key]
            results[key] = extract_patch(seg, box, self.seg_pad_val,
                                         (1, 2) if seg.ndim == 3 else (0, 1))
        results['img_shape'] = (box[2] - box[0], box[3] - box[1])
        results['patch_box'] = box
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(patch_size={self.patch_size}, '
                f'stride={self.stride}, stride_range={self.stride_range})')
