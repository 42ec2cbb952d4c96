"""Sliding-window inference: cut an image into P x P patches, predict each patch's
S x S mask, stitch the masks back with ``rleseg.datasets.patching.stitch_patches``.

The patch grid and the stitching rule (max / min / mode over overlaps) are the datasets
stream's; each predicted grid is upsampled to its patch by the tokenizer's rule; this
module only batches the patches through the model.
"""
from __future__ import annotations

from typing import Callable, List, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from rleseg.datasets.patching import Box, patch_boxes, stitch_patches

# (B, C, P, P) images -> (grids (B, N, S, S) int array, tokens (B, L), reports)
PatchPredictor = Callable[[Tensor], Tuple[np.ndarray, Tensor, List[dict]]]
# (..., S, S) grids and (P_h, P_w) -> (..., P_h, P_w) labels (a tokenizer's ``upsample``)
GridUpsampler = Callable[[np.ndarray, Tuple[int, int]], np.ndarray]


def window_grid(image: Tensor, crop_size: Sequence[int], stride: Sequence[int]
                ) -> Tuple[List[Box], Tensor]:
    """The sliding-window grid of one image and the image zero-padded to cover it.

    Args:
        image: (C, H, W) tensor (a normalised image, or ground-truth maps as floats).
        crop_size: (P_h, P_w) patch size.
        stride: (s_h, s_w) grid steps (<= patch size).

    Returns:
        boxes ``(y0, x0, y1, x1)`` row by row, and the (C, H', W') padded image from
        which every box can be sliced.
    """
    _, h, w = image.shape
    boxes = patch_boxes((h, w), (int(crop_size[0]), int(crop_size[1])),
                        (int(stride[0]), int(stride[1])))
    bottom = max(b[2] for b in boxes) - h
    right = max(b[3] for b in boxes) - w
    padded = F.pad(image, (0, right, 0, bottom)) if bottom or right else image
    return boxes, padded


def crop_windows(padded: Tensor, boxes: Sequence[Box]) -> Tensor:
    """(C, H', W') padded image and boxes -> (len(boxes), C, P_h, P_w) crops."""
    return torch.stack([padded[:, y0:y1, x0:x1] for y0, x0, y1, x1 in boxes])


def predict_sliding(image: Tensor, predict_patches: PatchPredictor,
                    crop_size: Sequence[int], stride: Sequence[int], merge: str,
                    window_batch: int, num_classes: int, upsample: GridUpsampler
                    ) -> Tuple[Tensor, Tensor, List[dict]]:
    """Predict one image window by window.

    Args:
        image: (C, H, W) normalised image (or, for the token ceiling, ground-truth maps).
        predict_patches: the model's patch predictor.
        crop_size: (P_h, P_w) patch size.
        stride: (s_h, s_w) grid steps (<= patch size).
        merge: 'max' | 'min' | 'mode' for overlapping pixels.
        window_batch: patches decoded together.
        num_classes: C (for 'mode').
        upsample: maps the (windows, N, S, S) grids to the patch size.

    Returns:
        mask (N, H, W) long on the image's device, tokens (windows, L), one report per
        window.
    """
    h, w = image.shape[-2:]
    boxes, padded = window_grid(image, crop_size, stride)
    grids, tokens, reports = [], [], []
    for i in range(0, len(boxes), window_batch):
        g, t, r = predict_patches(crop_windows(padded, boxes[i:i + window_batch]))
        grids.append(g)
        tokens.append(t)
        reports.extend(r)
    grid = upsample(np.concatenate(grids), (int(crop_size[0]), int(crop_size[1])))
    frames = [stitch_patches(list(grid[:, n]), boxes, (h, w), merge=merge,
                             num_classes=num_classes, ignore_index=None)
              for n in range(grid.shape[1])]
    mask = torch.from_numpy(np.stack(frames)).to(image.device)
    return mask, torch.cat(tokens), reports
