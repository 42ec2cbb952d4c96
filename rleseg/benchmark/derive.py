"""The token model's tokenizer, derived from the data it will be trained on.

For a dataset of P x P training patches (the masks the token model's data
preprocessor tokenizes), :func:`derive_tokenizer` picks

* the subsample factor k (mask size S = P / k): the coarsest grid whose *token
  ceiling* — the ground truth tokenized, decoded and upsampled back to P x P, scored
  by the project's metric code (mean foreground Dice per image, the paper's m*) —
  stays at or above ``min_ceiling_dice``;
* ``max_length`` = S (the paper's default: one mask row);
* ``max_seq_len`` L: the ``coverage`` quantile (99th percentile) of the ground-truth
  sequence lengths at that S (task token and EOS included), rounded up to a multiple
  of 8. The ceiling is measured before truncation; the benchmark's ceiling column
  measures it with the chosen L.

Everything RLE goes through :mod:`rleseg.tokenizers`; the Dice through
:mod:`rleseg.evaluation`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from rleseg.evaluation import class_pixel_counts, per_image_class_scores
from rleseg.tokenizers import build_tokenizer

#: Tokenizer fields the derivation sets; the rest come from the base config.
DERIVED_FIELDS = ('mask_size', 'subsample', 'max_length', 'max_seq_len')
#: The scheme of the tiny token models (docs/tokenizer.md describes the schemes).
DEFAULT_BASE = dict(scheme='lac', starts='2d', order='row', pad_weight=0.1)


@dataclass
class Candidate:
    """One subsample factor tried: its mask size, ceiling and sequence lengths."""
    factor: int
    mask_size: int
    ceiling_mdice: float
    tokens_quantile: float
    tokens_max: int


@dataclass
class DerivedTokenizer:
    """The chosen tokenizer config and what was measured to choose it."""
    tokenizer: Dict[str, Any]
    chosen: Candidate
    candidates: List[Candidate] = field(default_factory=list)
    num_masks: int = 0

    def describe(self) -> str:
        """Several lines for the benchmark's output."""
        lines = [f'token model tokenizer derived from {self.num_masks} training masks '
                 f"({self.tokenizer['scheme']}, starts {self.tokenizer.get('starts')}):"]
        for c in self.candidates:
            mark = '->' if c is self.chosen else '  '
            lines.append(f'  {mark} x{c.factor:<2d} S = {c.mask_size:<4d} ceiling mDice '
                         f'{c.ceiling_mdice:5.1f}  tokens p99 {c.tokens_quantile:6.1f} '
                         f'max {c.tokens_max}')
        lines.append(f"  chosen: S = {self.tokenizer['mask_size']}, max_length "
                     f"{self.tokenizer['max_length']}, L = {self.tokenizer['max_seq_len']}")
        return '\n'.join(lines)


def ceiling_mdice(tokenizer, masks: Sequence[np.ndarray], num_classes: int) -> float:
    """Mean foreground Dice (%, per image, the paper's m*) of ``masks`` after
    tokenize -> decode -> upsampling with ``tokenizer`` (its own subsample and upsample
    rules)."""
    counts = []
    for mask in masks:
        decoded, _ = tokenizer.decode(tokenizer.encode(mask).tokens)
        counts.append(class_pixel_counts(tokenizer.upsample(decoded), mask, num_classes))
    scores, evaluated = per_image_class_scores(np.stack(counts))
    foreground = evaluated[1:]
    if not foreground.any():
        return 100.0
    return float(100.0 * scores['Dice'][1:][foreground].mean())


def derive_tokenizer(masks: Sequence[np.ndarray], num_classes: int,
                     base: Optional[Dict[str, Any]] = None,
                     min_ceiling_dice: float = 90.0, coverage: float = 0.99,
                     factors: Sequence[int] = (16, 8, 4, 2, 1)) -> DerivedTokenizer:
    """Choose S, ``max_length`` and L for P x P training masks (see the module doc).

    Args:
        masks: (P, P) integer class maps at the model's input size.
        num_classes: classes C, background included.
        base: tokenizer fields kept as given (scheme, starts, order, pad_weight,
            upsample, ...; the mode of ``subsample``, default 'nearest', is kept and its
            factor derived); default :data:`DEFAULT_BASE`.
        min_ceiling_dice: the lowest acceptable ceiling mDice (%).
        coverage: the quantile of sequence lengths that L must cover.
        factors: subsample factors tried, coarsest first; those that do not divide P
            are skipped. When none reaches the ceiling, the finest is taken.

    Raises:
        ValueError: no masks, non-square or unequal masks, or no factor dividing P.
    """
    if not masks:
        raise ValueError('derive_tokenizer: no training masks to derive the tokenizer '
                         'from (is the training split empty?)')
    shape = np.shape(masks[0])
    if len(shape) != 2 or shape[0] != shape[1] or any(np.shape(m) != shape for m in masks):
        raise ValueError('derive_tokenizer: the training masks must all be square and of '
                         f'one size (the model input size P x P); got {shape} and others')
    patch = shape[0]
    usable = [f for f in factors if patch % f == 0 and patch // f >= 2]
    if not usable:
        raise ValueError(f'derive_tokenizer: no subsample factor in {tuple(factors)} '
                         f'divides the patch size {patch}')
    base = dict(DEFAULT_BASE if base is None else base)
    subsample_mode = dict(base.get('subsample') or {}).get('mode', 'nearest')
    candidates: List[Candidate] = []
    chosen: Optional[Candidate] = None
    chosen_cfg: Dict[str, Any] = {}
    for factor in usable:
        size = patch // factor
        probe_cfg = dict(base, mask_size=size, num_classes=num_classes, max_length=size,
                         subsample=dict(factor=factor, mode=subsample_mode))
        counter = build_tokenizer(dict(probe_cfg, max_seq_len=8))
        lengths = np.array([counter.count_tokens(m) for m in masks])
        probe = build_tokenizer(dict(probe_cfg, max_seq_len=max(8, int(lengths.max()))))
        candidate = Candidate(factor, size, ceiling_mdice(probe, masks, num_classes),
                              float(np.quantile(lengths, coverage)), int(lengths.max()))
        candidates.append(candidate)
        if chosen is None and candidate.ceiling_mdice >= min_ceiling_dice:
            chosen, chosen_cfg = candidate, probe_cfg
    if chosen is None:
        chosen, chosen_cfg = candidates[-1], probe_cfg
    chosen_cfg['max_seq_len'] = int(8 * math.ceil(chosen.tokens_quantile / 8))
    return DerivedTokenizer(chosen_cfg, chosen, candidates, len(masks))
