"""Mask -> token targets in the data workers (``RLETokenize``) and packing them with the
inputs (``PackRLESegInputs``, which also packs instance maps). The tokenizer itself lives
in :mod:`rleseg.tokenizers`.

Shipped configs tokenise on the model side instead
(:class:`~rleseg.models.Pix2SeqDataPreProcessor`), so dataset pipelines stay shared by
every paradigm; the model leaves samples that already carry ``gt_tokens`` alone.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import torch
from mmcv.transforms import BaseTransform, to_tensor
from mmengine.structures import PixelData
from mmseg.datasets.transforms import PackSegInputs
from mmseg.registry import TRANSFORMS

from rleseg.tokenizers import PanopticRLETokenizer, build_tokenizer


@TRANSFORMS.register_module()
class RLETokenize(BaseTransform):
    """Turn the ground-truth mask (or window of masks) into RLE token targets.

    Args:
        tokenizer: tokenizer config for :func:`rleseg.tokenizers.build_tokenizer`
            (scheme, mask_size, num_classes, subsample=dict(factor=k, mode=...), ...).
        seg_key: results key of the class map: (P, P), or (N, P, P) for window schemes.
        instance_key: results key of the instance-id map (scheme 'instance' only).
        empty_keep_prob: probability of keeping a sample whose mask has no runs; a
            dropped sample returns None, which mmengine's dataset answers by drawing
            another index (training only). Paper default for training: 0.1. (The data
            preprocessor's ``empty_keep_prob`` instead zeroes such a sample's loss
            weights: no redraw, same expected share of empty patches in the loss.)

    Required keys: ``gt_seg_map`` (+ ``gt_instance_map`` for 'instance').
    Added keys: ``gt_tokens`` (int64 (L,)), ``gt_token_weights`` (float32 (L,)),
    ``token_stats`` (dict of ints: num_tokens, num_runs, num_truncated_runs, num_groups,
    truncated).
    """

    def __init__(self, tokenizer: dict, seg_key: str = 'gt_seg_map',
                 instance_key: str = 'gt_instance_map', empty_keep_prob: float = 1.0) -> None:
        self.tokenizer = build_tokenizer(tokenizer)
        self.seg_key = seg_key
        self.instance_key = instance_key
        if not 0.0 <= empty_keep_prob <= 1.0:
            raise ValueError(f'RLETokenize: empty_keep_prob must be in [0, 1], got '
                             f'{empty_keep_prob}')
        self.empty_keep_prob = float(empty_keep_prob)

    def transform(self, results: dict) -> Optional[dict]:
        tok = self.tokenizer
        if self.seg_key not in results:
            raise KeyError(f'RLETokenize: results has no {self.seg_key!r} (load the '
                           'annotations before tokenising)')
        mask = np.asarray(results[self.seg_key])
        if isinstance(tok, PanopticRLETokenizer) and tok.scheme == 'instance':
            if self.instance_key not in results:
                raise KeyError(f"RLETokenize: scheme 'instance' needs results"
                               f"[{self.instance_key!r}] (LoadSegAnnotations(with_instances="
                               'True))')
            enc = tok.encode(mask, np.asarray(results[self.instance_key]))
        else:
            enc = tok.encode(mask)
        empty = enc.num_runs + enc.num_truncated_runs == 0
        if empty and self.empty_keep_prob < 1.0 and np.random.rand() >= self.empty_keep_prob:
            return None
        results['gt_tokens'] = enc.tokens
        results['gt_token_weights'] = enc.weights
        results['token_stats'] = enc.stats()
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(tokenizer={self.tokenizer!r}, '
                f'empty_keep_prob={self.empty_keep_prob})')


@TRANSFORMS.register_module()
class PackRLESegInputs(PackSegInputs):
    """``PackSegInputs`` plus the token targets.

    Adds ``data_sample.gt_tokens`` (LongTensor (L,)) and ``data_sample.gt_token_weights``
    (FloatTensor (L,)) when present, and ``gt_instance_map`` as PixelData. Windows:
    ``img`` of shape (N, H, W, C) (``FormatWindow(layout='frames')``) is packed as an
    (N, C, H, W) tensor, and an (N, H, W) ``gt_seg_map`` as ``gt_sem_seg`` with N channels.
    ``token_stats`` is packed in the metainfo.
    """

    def __init__(self, meta_keys: Sequence[str] = (
            'img_path', 'seg_map_path', 'ori_shape', 'img_shape', 'pad_shape',
            'scale_factor', 'flip', 'flip_direction', 'reduce_zero_label', 'token_stats',
            'patch_box', 'frame_ids', 'num_frames', 'static_window')) -> None:
        super().__init__(meta_keys=meta_keys)

    def transform(self, results: dict) -> dict:
        results = dict(results)
        frames = results.pop('img') if np.ndim(results.get('img')) == 4 else None
        window_gt = results.pop('gt_seg_map') if np.ndim(results.get('gt_seg_map')) == 3 \
            else None
        packed = super().transform(results)
        sample = packed['data_samples']
        if frames is not None:
            frames = np.ascontiguousarray(np.asarray(frames).transpose(0, 3, 1, 2))
            packed['inputs'] = to_tensor(frames).contiguous()
        if window_gt is not None:
            sample.gt_sem_seg = PixelData(data=to_tensor(window_gt.astype(np.int64)))
        if 'gt_instance_map' in results:
            inst = np.asarray(results['gt_instance_map']).astype(np.int64)
            sample.gt_instance_map = PixelData(data=to_tensor(inst if inst.ndim == 3
                                                              else inst[None]))
        if 'gt_tokens' in results:
            sample.gt_tokens = torch.as_tensor(results['gt_tokens'], dtype=torch.long)
            sample.gt_token_weights = torch.as_tensor(results['gt_token_weights'],
                                                      dtype=torch.float32)
        return packed
