"""Helpers of the model tests: tiny model configs and generated image/mask samples."""
from __future__ import annotations

import copy
from typing import List, Tuple

import numpy as np
import torch
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

import rleseg  # noqa: F401  (registers the modules)
from rleseg.tokenizers import build_tokenizer

# As under the runner (default_scope='mmseg'): resolve mmseg names such as
# SegDataPreProcessor.
init_default_scope('mmseg')

TINY_PREPROCESSOR = dict(type='SegDataPreProcessor', mean=[128.0] * 3, std=[64.0] * 3,
                         size_divisor=32, pad_val=0, seg_pad_val=255)
TINY_BACKBONE = dict(
    type='ResNet', depth=18, in_channels=3, stem_channels=16, base_channels=16,
    num_stages=2, strides=(1, 2), dilations=(1, 1), out_indices=(1, ),
    norm_cfg=dict(type='BN', requires_grad=True), norm_eval=False, style='pytorch',
    init_cfg=None)


def tiny_model_cfg(tokenizer: dict, **overrides) -> dict:
    """A CPU-sized Pix2SeqSegmentor config (32x32 patches -> 4x4 feature tokens)."""
    cfg = dict(
        type='Pix2SeqSegmentor',
        data_preprocessor=copy.deepcopy(TINY_PREPROCESSOR),
        backbone=copy.deepcopy(TINY_BACKBONE),
        tokenizer=tokenizer,
        d_model=32,
        encoder=dict(num_layers=1, num_heads=4, mlp_dim=64, dropout=0.0),
        decoder=dict(num_layers=2, num_heads=4, mlp_dim=64, dropout=0.0),
        test_cfg=dict(mode='whole', sampling=dict(strategy='greedy')))
    cfg.update(overrides)
    return cfg


def blob_mask(rng: np.random.Generator, size: int, num_classes: int) -> np.ndarray:
    """(size, size) uint8 mask with 1-3 random discs of random foreground classes."""
    yy, xx = np.mgrid[:size, :size]
    mask = np.zeros((size, size), np.uint8)
    for _ in range(int(rng.integers(1, 4))):
        cy, cx = rng.uniform(0, size, 2)
        r = rng.uniform(size / 8, size / 3)
        mask[(yy - cy) ** 2 + (xx - cx) ** 2 <= r * r] = rng.integers(1, num_classes)
    return mask


def image_of(mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(H, W, 3) uint8 image whose colour follows the mask, plus noise."""
    palette = np.array([[30, 40, 50], [200, 80, 60], [70, 190, 120], [90, 90, 220]],
                       np.float32)
    img = palette[mask % len(palette)] + rng.normal(0, 10, mask.shape + (3, ))
    return np.clip(img, 0, 255).astype(np.uint8)


def make_batch(tok_cfg: dict, num: int, seed: int = 0, blocky: bool = False
               ) -> Tuple[dict, List[np.ndarray]]:
    """A data batch as a dataloader yields it (inputs list of (3, P, P) uint8 tensors,
    SegDataSamples with gt_sem_seg / gt_tokens / gt_token_weights) and its masks.

    ``blocky``: masks are drawn at the token resolution S and upsampled to P, so
    subsampling loses nothing.
    """
    tok = build_tokenizer(tok_cfg)
    rng = np.random.default_rng(seed)
    shape = tok.input_shape
    side = shape[-1]

    def draw() -> np.ndarray:
        if not blocky:
            return blob_mask(rng, side, tok.num_classes)
        return tok.upsample(blob_mask(rng, side // tok.factor, tok.num_classes))

    inputs, samples, masks = [], [], []
    for _ in range(num):
        if len(shape) == 3:
            mask = np.stack([draw() for _ in range(shape[0])])
            img = image_of(mask[0], rng)
        else:
            mask = draw()
            img = image_of(mask, rng)
        enc = tok.encode(mask)
        sample = SegDataSample(metainfo=dict(ori_shape=(side, side), img_shape=(side, side),
                                             pad_shape=(side, side)))
        sample.gt_sem_seg = PixelData(data=torch.from_numpy(
            mask.astype(np.int64) if mask.ndim == 3 else mask[None].astype(np.int64)))
        sample.gt_tokens = torch.from_numpy(enc.tokens)
        sample.gt_token_weights = torch.from_numpy(enc.weights)
        inputs.append(torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1))))
        samples.append(sample)
        masks.append(mask)
    return dict(inputs=inputs, data_samples=samples), masks


def foreground_dice(pred: np.ndarray, gt: np.ndarray) -> float:
    """Dice of the foreground (class > 0, class-aware: pixels must match the class)."""
    inter = np.logical_and(pred == gt, gt > 0).sum()
    total = (pred > 0).sum() + (gt > 0).sum()
    return 1.0 if total == 0 else 2.0 * inter / total
