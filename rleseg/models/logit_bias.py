"""A per-class bias on a dense model's class scores before the argmax (prior correction).

A model trained on rare foreground can rank the rare class's pixels well and still never
let it win the argmax (its probability stays under the background's everywhere). Adding
a per-class offset ``b_c`` to the log-scores before the argmax moves that decision
without retraining: for softmax logits, ``argmax_c(z_c + b_c)`` is the argmax of the
class posterior reweighted by ``exp(b_c)`` (a prior correction); ``b = 0`` is the plain
argmax.

:class:`LogitBiasEncoderDecoder` is mmseg's ``EncoderDecoder`` (UNet, DeepLabV3+,
Mask2Former: the same weights and checkpoints) whose ``test_cfg.logit_bias`` (a list of
one float per class, log units; None: plain argmax) is applied in
``postprocess_result``, the step where mmseg turns ``seg_logits`` into
``pred_sem_seg``::

    model = dict(type='LogitBiasEncoderDecoder',
                 test_cfg=dict(mode='whole', logit_bias=[0.0, 2.0]))

Mask2Former's (and MaskFormer's) ``seg_logits`` are per-pixel class scores (query class
probabilities times mask probabilities, >= 0), not logits: the bias is added to their
log, i.e. the scores are multiplied by ``exp(b_c)``. The stored ``seg_logits`` of the
prediction are the biased ones, so ``pred_sem_seg`` stays their argmax. Heads with one
output channel (a sigmoid and a threshold) are refused.
"""
from __future__ import annotations

import math
from typing import List, Optional, Sequence

import torch
from mmseg.models.decode_heads import MaskFormerHead, Mask2FormerHead
from mmseg.models.segmentors import EncoderDecoder
from mmseg.registry import MODELS
from mmseg.utils import OptSampleList, SampleList
from torch import Tensor

#: Where the bias is read from, for messages.
BIAS_KEY = 'model.test_cfg.logit_bias'


class LogitBiasError(ValueError):
    """``model.test_cfg.logit_bias`` is invalid (the message names the key; the tools
    print it in one line)."""


def check_logit_bias(bias: Optional[Sequence[float]],
                     num_classes: int) -> Optional[List[float]]:
    """``bias`` as a list of floats, checked against the number of classes.

    Args:
        bias: one finite offset per class (log units), or None (plain argmax).
        num_classes: classes of the model (its decode head's ``num_classes``).

    Returns:
        The offsets as floats, or None for None.

    Raises:
        LogitBiasError: not a list of ``num_classes`` finite numbers (one line naming the
            key).
    """
    if bias is None:
        return None
    if isinstance(bias, (str, bytes)) or not isinstance(bias, Sequence):
        raise LogitBiasError(f'{BIAS_KEY} must be a list of {num_classes} numbers (one per '
                             f'class), got {bias!r}')
    if len(bias) != num_classes:
        raise LogitBiasError(f'{BIAS_KEY} has {len(bias)} values for {num_classes} '
                             f'classes: give one offset per class, got {list(bias)}')
    try:
        values = [float(value) for value in bias]
    except (TypeError, ValueError):
        raise LogitBiasError(f'{BIAS_KEY} must hold numbers, got {list(bias)}') from None
    if not all(math.isfinite(value) for value in values):
        raise LogitBiasError(f'{BIAS_KEY} must hold finite numbers, got {values}')
    return values


def scores_are_probabilities(decode_head) -> bool:
    """True when the head's ``seg_logits`` are non-negative class scores (mmseg's
    MaskFormer / Mask2Former heads) instead of logits."""
    return isinstance(decode_head, (MaskFormerHead, Mask2FormerHead))


def apply_logit_bias(seg_logits: Tensor, bias: Optional[Sequence[float]],
                     scores: bool = False) -> Tensor:
    """Class scores with a per-class log offset.

    Args:
        seg_logits: (N, C, H, W) or (C, H, W) logits, or non-negative class scores
            when ``scores``.
        bias: C offsets (log units, checked by :func:`check_logit_bias`); None returns
            ``seg_logits`` unchanged.
        scores: the values are scores, not logits: they are multiplied by
            ``exp(bias)`` (the bias added to their log).

    Returns:
        A tensor of the same shape and dtype; its argmax over C is
        ``argmax_c(log-score_c + bias_c)``.
    """
    if bias is None:
        return seg_logits
    shape = (-1, 1, 1) if seg_logits.dim() == 3 else (1, -1, 1, 1)
    offset = torch.as_tensor(bias, dtype=seg_logits.dtype, device=seg_logits.device)
    if scores:
        return seg_logits * offset.exp().view(shape)
    return seg_logits + offset.view(shape)


@MODELS.register_module()
class LogitBiasEncoderDecoder(EncoderDecoder):
    """mmseg's ``EncoderDecoder`` with ``test_cfg.logit_bias`` applied before the
    argmax (see the module doc). Everything else, weights and checkpoints included,
    is mmseg's; without ``logit_bias`` (or with None) predictions are identical.

    Raises:
        LogitBiasError: ``test_cfg.logit_bias`` is not one number per class, or the head
            has a single (sigmoid) output channel.
    """

    #: ``test_cfg`` keys read besides mmseg's (for rleseg's config check).
    EXTRA_TEST_CFG_KEYS = ('logit_bias', )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.decode_head.out_channels == 1:
            raise LogitBiasError(f'{BIAS_KEY}: LogitBiasEncoderDecoder needs one output '
                                 'channel per class; this decode head has one '
                                 '(sigmoid) channel')
        self.check_bias()

    @property
    def logit_bias(self) -> Optional[List[float]]:
        """The checked offsets of ``test_cfg.logit_bias`` (None: plain argmax)."""
        return self.check_bias()

    def check_bias(self) -> Optional[List[float]]:
        """:func:`check_logit_bias` of the current ``test_cfg.logit_bias``."""
        return check_logit_bias((self.test_cfg or {}).get('logit_bias'), self.num_classes)

    def postprocess_result(self, seg_logits: Tensor,
                           data_samples: OptSampleList = None) -> SampleList:
        """mmseg's postprocessing of ``seg_logits`` (N, C, H, W) biased by
        :func:`apply_logit_bias`."""
        biased = apply_logit_bias(seg_logits, self.logit_bias,
                                  scores_are_probabilities(self.decode_head))
        return super().postprocess_result(biased, data_samples)
