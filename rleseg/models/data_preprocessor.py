"""Pix2Seq data preprocessor: mmseg's preprocessing, then the ground truth as tokens.

The token model is the only model that needs its ground truth as a token sequence, so
the sequence is made here, on the model side, and every dataset config stays the one
shared by all paradigms (docs/design.md). ``RLETokenize`` in the data workers remains
available: samples that already carry ``gt_tokens`` are left as they are.

Geometry: the mask that is tokenised is the ground truth *at the model's input size*:

* training: ``gt_sem_seg`` is already padded to the batch size by mmseg's
  ``stack_batch`` (padding is ``seg_pad_val``, which the tokenizer reads as ignore =
  background) and must have the tokenizer's input size (P = S x k);
* testing: the ground truth is loaded at full resolution for scoring while the image is
  resized, so it is resized (nearest, mmcv, as the pipeline's ``Resize`` does for label
  maps) to ``img_shape`` and padded like the input. A ``'slide'`` model tokenises the
  windows of its own sliding grid (``gt_tokens`` (windows, L), counts summed over the
  windows); a ``'whole'`` model tokenises the whole input, resized to P when it differs
  (its prediction is an S x S grid over the whole input too).

The functions below are shared with the segmentors' token-ceiling prediction
(``test_cfg.oracle``), so the statistics and the ceiling see the same tokens.
"""
from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence

import mmcv
import numpy as np
import torch
from mmseg.models.data_preprocessor import SegDataPreProcessor
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from torch import Tensor

from rleseg.tokenizers import (EncodedBatch, PanopticRLETokenizer, RLETokenizer,
                               build_tokenizer)

from .sliding import crop_windows, window_grid


def needs_instances(tokenizer: RLETokenizer) -> bool:
    """True when the tokenizer encodes instance maps (panoptic scheme 'instance')."""
    return isinstance(tokenizer, PanopticRLETokenizer) and tokenizer.scheme == 'instance'


def resize_nearest(maps: np.ndarray, size: Sequence[int]) -> np.ndarray:
    """(K, h, w) integer label maps -> (K, H, W) int32, nearest, frame by frame with
    mmcv (cv2), as mmcv's ``Resize`` transform resizes label maps."""
    h, w = int(size[0]), int(size[1])
    maps = np.asarray(maps).astype(np.int32)
    if maps.shape[-2:] == (h, w):
        return maps
    return np.stack([mmcv.imresize(m, (w, h), interpolation='nearest') for m in maps])


def map_at_input(sample: SegDataSample, key: str, input_hw: Sequence[int],
                 pad_val: int) -> np.ndarray:
    """A sample's label map (``gt_sem_seg`` / ``gt_instance_map``) at the input size.

    Args:
        sample: a preprocessed data sample.
        key: the PixelData field.
        input_hw: (H, W) of the batch tensor.
        pad_val: value of the padding right / bottom of ``img_shape``.

    Returns:
        int32 array (K, H, W) (K = 1 for images, N for windows).
    """
    maps = sample.get(key).data.cpu().numpy().astype(np.int32)
    hw = tuple(int(s) for s in input_hw)
    if maps.shape[-2:] == hw:                       # training: padded by stack_batch
        return maps
    img_h, img_w = (int(s) for s in sample.metainfo.get('img_shape', hw)[:2])
    maps = resize_nearest(maps, (img_h, img_w))
    if img_h > hw[0] or img_w > hw[1]:
        raise ValueError(f'{key} resized to img_shape {(img_h, img_w)} is larger than the '
                         f'input {hw}')
    return np.pad(maps, ((0, 0), (0, hw[0] - img_h), (0, hw[1] - img_w)),
                  constant_values=pad_val)


def ground_truth_stack(sample: SegDataSample, tokenizer: RLETokenizer,
                       input_hw: Sequence[int], seg_pad_val: int = 255) -> np.ndarray:
    """The maps a tokenizer encodes, stacked at the input size: (K, H, W) int32 with the
    class map's channels (1, or N for windows) and, for scheme 'instance', the instance
    map as the last channel (padding 0 = no instance)."""
    if 'gt_sem_seg' not in sample:
        raise KeyError('Pix2Seq ground truth: the data sample has no gt_sem_seg (the test '
                       'pipeline must load the annotations)')
    maps = [map_at_input(sample, 'gt_sem_seg', input_hw, seg_pad_val)]
    if needs_instances(tokenizer):
        if 'gt_instance_map' not in sample:
            raise KeyError("Pix2Seq ground truth: scheme 'instance' needs gt_instance_map "
                           '(LoadSegAnnotations(with_instances=True) + PackRLESegInputs in '
                           'the dataset pipeline)')
        maps.append(map_at_input(sample, 'gt_instance_map', input_hw, 0)[:1])
    return np.concatenate(maps)


def encode_patches(tokenizer: RLETokenizer, patches: np.ndarray) -> EncodedBatch:
    """Encode B ground-truth patches with the tokenizer.

    Args:
        tokenizer: the model's tokenizer.
        patches: (B, K, P_h, P_w) integer maps as :func:`ground_truth_stack` stacks them;
            patches of another size than the tokenizer's input are resized (nearest).

    Returns:
        the :class:`~rleseg.tokenizers.EncodedBatch` of the B patches.
    """
    patches = np.asarray(patches).astype(np.int64)
    inst = patches[:, -1] if needs_instances(tokenizer) else None
    sem = patches[:, :-1] if inst is not None else patches
    frames = tokenizer.input_shape[0] if tokenizer.input_ndim == 3 else 1
    if sem.shape[1] != frames:
        raise ValueError(f'Pix2Seq ground truth: gt_sem_seg has {sem.shape[1]} channels, '
                         f'the tokenizer ({tokenizer.scheme}) encodes {frames} frame(s)')
    size = tokenizer.input_shape[-2:]
    if sem.shape[-2:] != size:
        sem = np.stack([resize_nearest(s, size) for s in sem])
        inst = None if inst is None else resize_nearest(inst, size)
    sem = sem[:, 0] if tokenizer.input_ndim == 2 else sem
    if inst is not None:
        return tokenizer.encode_batch(sem, inst)
    return tokenizer.encode_batch(sem)


def stats_of(enc: EncodedBatch, rows: slice) -> Dict[str, int]:
    """``RLETokenize``'s ``token_stats`` of one sequence, or of several windows summed
    (``truncated`` = windows that did not fit L, plus ``num_windows``)."""
    if rows.stop - rows.start == 1:
        return enc[rows.start].stats()
    stats = [enc[i].stats() for i in range(rows.start, rows.stop)]
    total = {k: int(sum(s[k] for s in stats)) for k in stats[0]}
    total['num_windows'] = len(stats)
    return total


@MODELS.register_module()
class Pix2SeqDataPreProcessor(SegDataPreProcessor):
    """``SegDataPreProcessor`` that also writes the token targets of the ground truth.

    After mmseg's normalisation / padding, every data sample without ``gt_tokens`` and
    with ``gt_sem_seg`` (+ ``gt_instance_map`` for scheme 'instance') gets
    ``gt_tokens`` (LongTensor (L,), or (windows, L) for a sliding test), and
    ``gt_token_weights`` alike, and ``token_stats`` in its metainfo (see the module
    docstring for the geometry).

    Window inputs (N frames stacked along channels, N*C channels) are normalised with the
    per-frame ``mean`` / ``std`` (C values) repeated N times.

    Args:
        tokenizer: tokenizer config; None (the usual case) takes the segmentor's, which
            binds its tokenizer and test_cfg with :meth:`bind` (one ``tokenizer`` dict per
            config). When given, it must equal the model's.
        empty_keep_prob: training only: probability that a sample whose ground truth has
            no runs keeps its loss weights; otherwise its weights are set to 0 (it still
            goes through the network but adds nothing to the loss). ``RLETokenize(
            empty_keep_prob=...)`` in the data workers instead redraws such samples.
        **kwargs: ``SegDataPreProcessor`` arguments (mean, std, size, bgr_to_rgb, ...).
    """

    def __init__(self, tokenizer: Optional[Mapping] = None, empty_keep_prob: float = 1.0,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if not 0.0 <= float(empty_keep_prob) <= 1.0:
            raise ValueError(f'Pix2SeqDataPreProcessor: empty_keep_prob must be in [0, 1], '
                             f'got {empty_keep_prob}')
        self.empty_keep_prob = float(empty_keep_prob)
        self.tokenizer: Optional[RLETokenizer] = (None if tokenizer is None else
                                                  build_tokenizer(tokenizer))
        self.model_test_cfg: Mapping = {}
        if self._enable_normalize:
            self.register_buffer('frame_mean', self.mean.clone(), False)
            self.register_buffer('frame_std', self.std.clone(), False)

    def bind(self, tokenizer: RLETokenizer, test_cfg: Optional[Mapping] = None) -> None:
        """Share the segmentor's tokenizer and its test_cfg (read at every test batch:
        ``mode``, ``crop_size``, ``stride``)."""
        if self.tokenizer is not None and self.tokenizer.config() != tokenizer.config():
            raise ValueError('Pix2SeqDataPreProcessor: data_preprocessor.tokenizer differs '
                             'from model.tokenizer; leave it unset so the model\'s tokenizer '
                             'is used')
        self.tokenizer = tokenizer
        self.model_test_cfg = test_cfg if test_cfg is not None else {}

    def forward(self, data: dict, training: bool = False) -> Dict[str, Any]:
        """mmseg preprocessing, then :meth:`tokenize` (when samples are given)."""
        self.match_channels(int(data['inputs'][0].shape[0]))
        data = super().forward(data, training)
        samples = data.get('data_samples')
        if samples:
            self.tokenize(data['inputs'], samples, training)
        return data

    def match_channels(self, channels: int) -> None:
        """Repeat the per-frame mean / std over the N frames of an N*C-channel input."""
        if not self._enable_normalize or self.mean.shape[0] == channels:
            return
        per_frame = self.frame_mean.shape[0]
        if channels % per_frame:
            raise ValueError(f'Pix2SeqDataPreProcessor: input has {channels} channels, not '
                             f'a multiple of the {per_frame} mean / std values')
        self.mean = self.frame_mean.repeat(channels // per_frame, 1, 1)
        self.std = self.frame_std.repeat(channels // per_frame, 1, 1)

    def test_windows(self, stack: np.ndarray) -> np.ndarray:
        """(K, H, W) ground truth -> (windows, K, P, P) patches of the model's test grid
        (the whole map as one patch for a 'whole' model)."""
        cfg = self.model_test_cfg
        if cfg.get('mode') != 'slide' or cfg.get('crop_size') is None:
            return stack[None]
        crop = tuple(cfg['crop_size'])
        boxes, padded = window_grid(torch.from_numpy(stack), crop, tuple(cfg['stride'] or crop))
        return crop_windows(padded, boxes).numpy()

    def tokenize(self, inputs: Tensor, samples: List[SegDataSample], training: bool) -> None:
        """Set ``gt_tokens``, ``gt_token_weights`` and ``token_stats`` in place on the
        samples that have ground truth and no tokens yet."""
        todo = [s for s in samples if 'gt_tokens' not in s and 'gt_sem_seg' in s]
        if not todo:
            return
        tok = self.tokenizer
        if tok is None:
            raise RuntimeError('Pix2SeqDataPreProcessor: no tokenizer; give tokenizer=... or '
                               'use it as the data_preprocessor of a Pix2Seq segmentor')
        hw = inputs.shape[-2:]
        patches: List[np.ndarray] = []
        for sample in todo:
            stack = ground_truth_stack(sample, tok, hw, int(self.seg_pad_val))
            if training and stack.shape[-2:] != tok.input_shape[-2:]:
                raise ValueError(f'Pix2SeqDataPreProcessor: training input is {tuple(hw)}, '
                                 f'the tokenizer encodes {tok.input_shape[-2:]} (mask_size x '
                                 'subsample factor); make the patch size and the tokenizer '
                                 'agree')
            patches.append(stack[None] if training else self.test_windows(stack))
        enc = encode_patches(tok, np.concatenate(patches))
        weights = enc.weights
        if training and self.empty_keep_prob < 1.0:
            empty = (enc.num_runs + enc.num_truncated_runs) == 0
            drop = empty & (torch.rand(len(empty)).numpy() >= self.empty_keep_prob)
            weights = np.where(drop[:, None], np.float32(0.0), weights)
        start = 0
        for sample, p in zip(todo, patches):
            rows = slice(start, start + len(p))
            start = rows.stop
            one = len(p) == 1
            sample.gt_tokens = torch.from_numpy(
                enc.tokens[rows.start] if one else enc.tokens[rows]).to(inputs.device)
            sample.gt_token_weights = torch.from_numpy(
                weights[rows.start] if one else weights[rows]).to(inputs.device)
            sample.set_metainfo(dict(token_stats=stats_of(enc, rows)))

