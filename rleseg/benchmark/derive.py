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

A finer grid costs more: the encoder memory has S x S cells and L grows with S. Given
``step_cost`` (the seconds and memory of a training step of the token model with a
candidate tokenizer, :mod:`rleseg.benchmark.step_cost`) and a budget
``max_sec_per_iter``, the candidates are timed from the coarsest up to the first one
over the budget (finer ones cost more and are not timed), and the chosen S is the
coarsest that keeps the ceiling when its step fits the budget, else the finest S whose
step fits; what that gives up (the ceiling, the finer S) is said in
:meth:`DerivedTokenizer.describe`. When no S fits, nothing is chosen (an error says so).

For panoptic data (class maps plus instance-id maps, the instance-token model),
:func:`derive_panoptic_tokenizer` chooses the same way with the panoptic token ceiling:
the ground-truth instance tokens decoded, upsampled by block repeat (the panoptic
segmentor's nearest resize) and scored by PQ (IoU > 0.5, mean over the foreground
classes, the counts of :class:`~rleseg.evaluation.PanopticQualityMetric`). It also
derives the cap on instances per mask, ``max_instances``: :data:`INSTANCE_CAP_HEADROOM`
times the most instances in one training mask (as stored, when the caller counts them),
the rule of the shipped nuclei instance config (set only for a tokenizer that takes it).

For a video token model the training items are windows, (N, P, P) stacks of N frames,
and the base is a window scheme (``tac``, ``ltac``, ``3d-*``) with its ``window`` N:
:func:`derive_tokenizer` chooses the same way, with the ceiling scored frame by frame
(each window tokenized, decoded back to its N frames and upsampled, every frame one
image of the mean Dice) and L covering the 99th percentile of the tokens per window.

Everything RLE goes through :mod:`rleseg.tokenizers`; the Dice and PQ through
:mod:`rleseg.evaluation`.
"""
from __future__ import annotations

import inspect
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from rleseg.evaluation import (class_pixel_counts, panoptic_counts, per_image_class_scores,
                               pq_from_counts)
from rleseg.tokenizers import TOKENIZERS, VideoRLETokenizer, build_tokenizer
from rleseg.tokenizers.masks import upsample

#: Tokenizer fields the derivation sets; the rest come from the base config.
DERIVED_FIELDS = ('mask_size', 'subsample', 'max_length', 'max_seq_len', 'max_instances')
#: Scheme fields used when no base is given (the composed token model passes its
#: config's tokenizer fields instead: configs/_base_/models/p2s_rle_tiny.py).
DEFAULT_BASE = dict(scheme='lac', starts='flat', order='row', pad_weight=0.1)
#: The same for :func:`derive_panoptic_tokenizer` (the instance-wise scheme; the composed
#: instance-token model passes the fields of configs/p2s_rle_nuclei_panoptic_tiny.py).
DEFAULT_PANOPTIC_BASE = dict(scheme='instance', starts='flat', order='row', pad_weight=0.1)
#: The panoptic tokenizer argument of the instance cap, and the cap's multiple of the
#: most instances in one training mask (room for test masks with more).
INSTANCE_CAP = 'max_instances'
INSTANCE_CAP_HEADROOM = 2


@dataclass(frozen=True)
class StepCost:
    """One training step of a model: median wall seconds and peak memory (MiB)."""
    sec_per_iter: float
    peak_mib: Optional[float] = None


@dataclass
class Candidate:
    """One subsample factor tried: its mask size, token ceiling (%, in the metric of
    the derivation: mDice, or PQ for panoptic masks), sequence lengths, the L they
    give, the most instance groups in one mask (panoptic; 0 otherwise) and, when
    timed, the cost of a training step with it."""
    factor: int
    mask_size: int
    ceiling: float
    tokens_quantile: float
    tokens_max: int
    max_seq_len: int = 0
    cost: Optional[StepCost] = None
    instances_max: int = 0

    def fits(self, max_sec_per_iter: Optional[float]) -> bool:
        """True when timed within the budget (no budget: always)."""
        return max_sec_per_iter is None or (
            self.cost is not None and self.cost.sec_per_iter <= max_sec_per_iter)


@dataclass
class DerivedTokenizer:
    """The chosen tokenizer config and what was measured to choose it.

    Attributes:
        budget: the step budget in seconds (None: none applied).
        budget_note: where the budget comes from (printed with it).
        given_up: one line per thing the budget or the data cost (empty: nothing).
        metric: the ceiling's metric, 'mDice' or 'PQ' (panoptic).
        notes: further lines printed after the choice (the instance cap).
        window: N, the frames of each training window (None: image masks).
    """
    tokenizer: Dict[str, Any]
    chosen: Candidate
    candidates: List[Candidate] = field(default_factory=list)
    num_masks: int = 0
    budget: Optional[float] = None
    budget_note: str = ''
    given_up: List[str] = field(default_factory=list)
    metric: str = 'mDice'
    notes: List[str] = field(default_factory=list)
    window: Optional[int] = None

    def _step(self, candidate: Candidate) -> str:
        if candidate.cost is None:
            return ('step not timed (finer than an S over the budget)'
                    if self.budget is not None else '')
        cost = candidate.cost
        memory = f', {cost.peak_mib:.0f} MiB' if cost.peak_mib is not None else ''
        over = '  OVER BUDGET' if not candidate.fits(self.budget) else ''
        return f'step {cost.sec_per_iter:.3f} s{memory}{over}'

    def describe(self) -> str:
        """Several lines for the benchmark's output: every candidate with its ceiling,
        L and step cost, the choice and what it gave up."""
        what = ('token model tokenizer derived from '
                f'{self.num_masks} training masks' if self.window is None else
                'video token model tokenizer derived from '
                f'{self.num_masks} training windows of N = {self.window} frames')
        per = '' if self.window is None else '; ceiling per frame, tokens per window'
        lines = [f"{what} ({self.tokenizer['scheme']}, starts "
                 f"{self.tokenizer.get('starts')}{per}):"]
        if self.budget is not None:
            lines.append(f'  step budget {self.budget:.3f} s per training iteration '
                         f'({self.budget_note})')
        for c in self.candidates:
            mark = '->' if c is self.chosen else '  '
            groups = f'instances max {c.instances_max:<4d} ' if self.metric == 'PQ' else ''
            lines.append(f'  {mark} x{c.factor:<2d} S = {c.mask_size:<4d} ceiling '
                         f'{self.metric} {c.ceiling:5.1f}  L {c.max_seq_len:<5d} tokens p99 '
                         f'{c.tokens_quantile:6.1f} max {c.tokens_max:<5d} {groups}'
                         f'{self._step(c)}'.rstrip())
        window = '' if self.window is None else f', N = {self.window}'
        lines.append(f"  chosen: S = {self.tokenizer['mask_size']}, max_length "
                     f"{self.tokenizer['max_length']}, L = {self.tokenizer['max_seq_len']}"
                     f'{window}')
        lines += [f'  {line}' for line in self.notes]
        lines += [f'  given up: {line}' for line in self.given_up]
        return '\n'.join(lines)


def ceiling_mdice(tokenizer, masks: Sequence[np.ndarray], num_classes: int) -> float:
    """Mean foreground Dice (%, per image, the paper's m*) of ``masks`` after
    tokenize -> decode -> upsampling with ``tokenizer`` (its own subsample and upsample
    rules). ``masks`` are (P, P) class maps, or (N, P, P) windows for a window
    tokenizer, decoded back to their N frames and scored frame by frame (each frame
    one image)."""
    counts = []
    for mask in masks:
        decoded, _ = tokenizer.decode(tokenizer.encode(mask).tokens)
        frames = (-1, ) + np.shape(mask)[-2:]
        counts += [class_pixel_counts(pred, truth, num_classes) for pred, truth in
                   zip(tokenizer.upsample(decoded).reshape(frames),
                       np.reshape(mask, frames))]
    scores, evaluated = per_image_class_scores(np.stack(counts))
    foreground = evaluated[1:]
    if not foreground.any():
        return 100.0
    return float(100.0 * scores['Dice'][1:][foreground].mean())


def ceiling_pq(tokenizer, masks: Sequence[np.ndarray], instances: Sequence[np.ndarray],
               num_classes: int) -> float:
    """Panoptic quality (%, IoU > 0.5, mean over the foreground classes with a segment)
    of ``masks`` / ``instances`` ((P, P) class and instance-id maps) after tokenize ->
    decode -> block-repeat upsampling of the class and instance maps with the panoptic
    ``tokenizer``, counted over all masks like PanopticQualityMetric."""
    counts = np.zeros((4, num_classes))
    for mask, inst in zip(masks, instances):
        pred, _ = tokenizer.decode_panoptic(tokenizer.encode(mask, inst).tokens)
        counts += panoptic_counts(upsample(pred.semantic, tokenizer.factor),
                                  upsample(pred.instances, tokenizer.factor), mask, inst,
                                  num_classes)
    scores, evaluated = pq_from_counts(counts)
    foreground = evaluated[1:]
    if not foreground.any():
        return 100.0
    return float(100.0 * scores['PQ'][1:][foreground].mean())


def _length(quantile: float) -> int:
    """L for a sequence-length quantile: rounded up to a multiple of 8."""
    return int(8 * math.ceil(quantile / 8))


def _choose(candidates: List[Candidate], min_ceiling: float,
            budget: Optional[float]) -> Tuple[Candidate, List[str]]:
    """(chosen, given-up lines): the coarsest candidate that keeps the ceiling if it
    fits the budget, else the finest that fits.

    Raises:
        ValueError: no candidate fits the budget.
    """
    keeping = next((c for c in candidates if c.ceiling >= min_ceiling), candidates[-1])
    given_up = []
    if keeping.ceiling < min_ceiling:
        given_up.append(f'no S reaches the {min_ceiling:g} ceiling; the finest, '
                        f'S = {keeping.mask_size}, keeps {keeping.ceiling:.1f}')
    if keeping.fits(budget):
        return keeping, given_up
    affordable = [c for c in candidates[:candidates.index(keeping)] if c.fits(budget)]
    if not affordable:
        coarsest = candidates[0]
        raise ValueError(f'even the coarsest mask grid, S = {coarsest.mask_size}, takes '
                         f'{coarsest.cost.sec_per_iter:.3f} s per training step, over the '
                         f'budget of {budget:.3f} s; ask for it with a larger '
                         '--max-step-ratio (0: no budget)')
    chosen = affordable[-1]
    step = (f'{keeping.cost.sec_per_iter:.3f} s' if keeping.cost is not None
            else 'more than that of a coarser S over the budget')
    given_up.append(
        f'S = {keeping.mask_size} would keep a ceiling of {keeping.ceiling:.1f} but '
        f'its training step ({step}) is over the budget of {budget:.3f} s; S = '
        f'{chosen.mask_size} keeps {chosen.ceiling:.1f}. Ask for the finer grid '
        'with a larger --max-step-ratio (0: no budget)')
    return chosen, given_up


def derive_tokenizer(masks: Sequence[np.ndarray], num_classes: int,
                     base: Optional[Dict[str, Any]] = None,
                     min_ceiling_dice: float = 90.0, coverage: float = 0.99,
                     factors: Sequence[int] = (16, 8, 4, 2, 1),
                     step_cost: Optional[Callable[[Dict[str, Any]], StepCost]] = None,
                     max_sec_per_iter: Optional[float] = None,
                     budget_note: str = '') -> DerivedTokenizer:
    """Choose S, ``max_length`` and L for P x P training masks (see the module doc).

    Args:
        masks: (P, P) integer class maps at the model's input size, or (N, P, P)
            training windows when ``base`` is a window scheme with ``window`` N.
        num_classes: classes C, background included.
        base: tokenizer fields kept as given (scheme, starts, order, pad_weight,
            upsample, window, ...; the mode of ``subsample``, default 'nearest', is kept
            and its factor derived); default :data:`DEFAULT_BASE`.
        min_ceiling_dice: the lowest acceptable ceiling mDice (%).
        coverage: the quantile of sequence lengths that L must cover.
        factors: subsample factors tried, coarsest first; those that do not divide P
            are skipped. When none reaches the ceiling, the finest is taken.
        step_cost: ``tokenizer config -> StepCost`` of a training step of the token
            model with it (None: steps are not timed and no budget applies).
        max_sec_per_iter: the step budget in seconds (None: none; needs ``step_cost``).
        budget_note: where the budget comes from, printed with it.

    Raises:
        ValueError: no masks, non-square or unequal masks (windows: not N frames), no
            factor dividing P, or no factor whose training step fits the budget.
    """
    return _derive(masks, None, num_classes, DEFAULT_BASE if base is None else base,
                   min_ceiling_dice, coverage, factors, step_cost, max_sec_per_iter,
                   budget_note)


def derive_panoptic_tokenizer(masks: Sequence[np.ndarray], instances: Sequence[np.ndarray],
                              num_classes: int, base: Optional[Dict[str, Any]] = None,
                              min_ceiling_pq: float = 90.0, coverage: float = 0.99,
                              factors: Sequence[int] = (16, 8, 4, 2, 1),
                              step_cost: Optional[Callable[[Dict[str, Any]],
                                                           StepCost]] = None,
                              max_sec_per_iter: Optional[float] = None,
                              budget_note: str = '',
                              most_instances: Optional[int] = None) -> DerivedTokenizer:
    """:func:`derive_tokenizer` for the instance-token model: the ceiling is PQ (%,
    :func:`ceiling_pq`), and ``max_instances`` (:data:`INSTANCE_CAP_HEADROOM` times the
    most instances in one training mask) is derived too, set only when the scheme's
    tokenizer takes it (the :attr:`DerivedTokenizer.notes` say which).

    Args:
        masks: (P, P) integer class maps at the model's input size.
        instances: (P, P) instance-id maps (0 = none), one per mask.
        base: panoptic tokenizer fields kept as given; default
            :data:`DEFAULT_PANOPTIC_BASE`.
        min_ceiling_pq: the lowest acceptable ceiling PQ (%).
        num_classes, coverage, factors, step_cost, max_sec_per_iter, budget_note: as
            :func:`derive_tokenizer`.
        most_instances: the most instances in one training instance map as stored
            (before augmentation, counted by the caller over the whole split); None:
            the most instance groups in one of ``instances`` at the chosen S.

    Raises:
        ValueError: as :func:`derive_tokenizer`, or an instance map missing or of
            another size than its class map.
    """
    if len(instances) != len(masks):
        raise ValueError(f'derive_panoptic_tokenizer: {len(masks)} class maps but '
                         f'{len(instances)} instance maps')
    for index, (mask, inst) in enumerate(zip(masks, instances)):
        if np.shape(inst) != np.shape(mask):
            raise ValueError(f'derive_panoptic_tokenizer: training sample {index}: instance '
                             f'map {np.shape(inst)} != class map {np.shape(mask)}')
    derived = _derive(masks, instances, num_classes,
                      DEFAULT_PANOPTIC_BASE if base is None else base, min_ceiling_pq,
                      coverage, factors, step_cost, max_sec_per_iter, budget_note)
    if most_instances is None:
        most = derived.chosen.instances_max
        where = f'one training mask at S = {derived.chosen.mask_size}'
    else:
        most, where = most_instances, 'one training instance map'
    cap = INSTANCE_CAP_HEADROOM * max(1, most)
    why = f'{INSTANCE_CAP_HEADROOM} x {max(1, most)}; the most instances in {where}: {most}'
    if INSTANCE_CAP in inspect.signature(TOKENIZERS[derived.tokenizer['scheme']]).parameters:
        derived.tokenizer[INSTANCE_CAP] = cap
        derived.notes.append(f'{INSTANCE_CAP} = {cap} ({why})')
    else:
        derived.notes.append(f'instance cap {cap} ({why}) not set: the '
                             f"{derived.tokenizer['scheme']!r} tokenizer has no "
                             f'{INSTANCE_CAP}')
    return derived


def _derive(masks: Sequence[np.ndarray], instances: Optional[Sequence[np.ndarray]],
            num_classes: int, base: Dict[str, Any], min_ceiling: float, coverage: float,
            factors: Sequence[int],
            step_cost: Optional[Callable[[Dict[str, Any]], StepCost]],
            max_sec_per_iter: Optional[float], budget_note: str) -> DerivedTokenizer:
    """The derivation of both public functions; ``instances`` None: semantic (mDice
    ceiling), else panoptic (PQ ceiling, instance groups counted)."""
    if not masks:
        raise ValueError('derive_tokenizer: no training masks to derive the tokenizer '
                         'from (is the training split empty?)')
    base = dict(base)
    window = (int(base.get('window', 1)) if base.get('scheme') in VideoRLETokenizer.SCHEMES
              else None)
    shape = np.shape(masks[0])
    if (len(shape) < 2 or shape[:-2] != (() if window is None else (window, ))
            or shape[-2] != shape[-1] or any(np.shape(m) != shape for m in masks)):
        what = ('masks must all be square and of one size (the model input size P x P)'
                if window is None else f'windows must all be {window} frames (the '
                'window N) of one square size (the model input size P x P)')
        raise ValueError(f'derive_tokenizer: the training {what}; got {shape} and others')
    patch = shape[-1]
    usable = [f for f in factors if patch % f == 0 and patch // f >= 2]
    if not usable:
        raise ValueError(f'derive_tokenizer: no subsample factor in {tuple(factors)} '
                         f'divides the patch size {patch}')
    subsample_mode = dict(base.get('subsample') or {}).get('mode', 'nearest')
    pairs = [(m, None) for m in masks] if instances is None else list(zip(masks, instances))
    candidates: List[Candidate] = []
    configs: List[Dict[str, Any]] = []
    for factor in usable:
        size = patch // factor
        probe_cfg = dict(base, mask_size=size, num_classes=num_classes, max_length=size,
                         subsample=dict(factor=factor, mode=subsample_mode))
        counter = build_tokenizer(dict(probe_cfg, max_seq_len=8))
        if instances is None:
            lengths = np.array([counter.count_tokens(m) for m in masks])
            groups = 0
        else:
            lengths = np.array([counter.count_tokens(m, i) for m, i in pairs])
            groups = max(len(counter.group_map(m, i)[1]) for m, i in pairs)
        probe = build_tokenizer(dict(probe_cfg, max_seq_len=max(8, int(lengths.max()))))
        ceiling = (ceiling_mdice(probe, masks, num_classes) if instances is None else
                   ceiling_pq(probe, masks, instances, num_classes))
        quantile = float(np.quantile(lengths, coverage))
        candidates.append(Candidate(factor, size, ceiling, quantile, int(lengths.max()),
                                    _length(quantile), instances_max=groups))
        configs.append(dict(probe_cfg, max_seq_len=candidates[-1].max_seq_len))
    budget = max_sec_per_iter if step_cost is not None else None
    if step_cost is not None:
        for candidate, cfg in zip(candidates, configs):  # coarse to fine
            candidate.cost = step_cost(cfg)
            if not candidate.fits(budget) or (
                    budget is None and candidate.ceiling >= min_ceiling):
                break  # finer grids cost more (over the budget) or are not needed
    chosen, given_up = _choose(candidates, min_ceiling, budget)
    return DerivedTokenizer(configs[candidates.index(chosen)], chosen, candidates,
                            len(masks), budget, budget_note, given_up,
                            'mDice' if instances is None else 'PQ', window=window)
