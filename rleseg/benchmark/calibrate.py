"""A decision rule chosen on the validation split (``--calibrate``): the class-score
bias of a dense model, the end-of-sequence bias of a token model.

A model trained on rare foreground can rank the rare class well and still lose every
argmax to the background. After a run is trained (its checkpoint fixed), the benchmark
chooses one decision-rule setting on the validation split, by the same metric code as
every score (:class:`~rleseg.evaluation.PerClassSegMetric`, its ``mDice``), then scores
the test split once with it. The test split is never read while choosing.

* Dense models (mmseg's ``EncoderDecoder``: UNet, DeepLabV3+, Mask2Former) run as
  :class:`~rleseg.models.logit_bias.LogitBiasEncoderDecoder` (the same weights): their
  validation class scores are computed once, and ``test_cfg.logit_bias`` (log units,
  background fixed at 0) is chosen by a coordinate search over
  :data:`LOGIT_BIAS_GRID` for each foreground class in turn, the candidates scored on
  those stored scores (:func:`~rleseg.models.logit_bias.apply_logit_bias`, which the
  model applies before mmseg's resize; the two commute, since the resize is linear).
* Token models (a ``test_cfg`` with ``eos_bias``): each value of :data:`EOS_BIAS_GRID`
  is one generation pass over the validation split.

The model's own rule (its config's bias: 0, or none, unless the config sets one) is the
first candidate and a candidate replaces the best one only when its validation mDice is
strictly higher, so calibration can only match or improve the plain rule on validation
(a tie keeps the earlier candidate). The run record keeps
the result under ``eval.calibration`` (see :func:`calibrate_run`).
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import torch

from .validation import ValidationSplit

#: The score a decision rule is chosen by (validation split, PerClassSegMetric).
SELECT_METRIC = 'mDice'
#: Offsets tried for each foreground class (log-odds units: +1 multiplies the class's
#: odds by e); 0 first.
LOGIT_BIAS_GRID: Tuple[float, ...] = (0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 5.0,
                                      6.0)
#: EOS logit offsets tried for a token model (negative: later EOS); 0 first.
EOS_BIAS_GRID: Tuple[float, ...] = (0.0, -1.0, -2.0, -4.0, -6.0, -8.0)
#: Passes of the coordinate search over the foreground classes.
SEARCH_ROUNDS = 2
KIND_LOGIT = 'logit_bias'
KIND_EOS = 'eos_bias'
#: Model types the benchmark runs as LogitBiasEncoderDecoder under ``--calibrate``.
DENSE_TYPES = ('EncoderDecoder', 'mmseg.EncoderDecoder')

Bias = List[float]


def enable_logit_bias(cfg) -> bool:
    """Make a dense model's config (in place) build
    :class:`~rleseg.models.logit_bias.LogitBiasEncoderDecoder` (same weights; without a
    ``logit_bias`` its predictions are mmseg's). Returns True when it did."""
    if cfg.model.get('type') not in DENSE_TYPES:
        return False
    cfg.model.type = 'LogitBiasEncoderDecoder'
    return True


def search_bias(score: Callable[[Bias], float], num_classes: int,
                grid: Sequence[float] = LOGIT_BIAS_GRID, background: int = 0,
                rounds: int = SEARCH_ROUNDS,
                start: Optional[Sequence[float]] = None) -> Tuple[Bias, List[Dict[str, Any]]]:
    """Coordinate search for the per-class bias that maximises ``score``.

    Starts at ``start``; in each round, every class but ``background`` tries each value
    of ``grid`` with the other offsets fixed, keeping a value only when it scores
    strictly higher. Stops after ``rounds`` rounds or a round without improvement.

    Args:
        score: ``bias -> score`` (higher is better); called once per distinct bias.
        num_classes: C, the length of a bias.
        grid: the offsets tried per class.
        background: the class whose offset stays 0 (only differences matter).
        rounds: at most this many passes over the classes.
        start: the first candidate, the model's own rule (None: all zeros).

    Returns:
        ``(best bias, trials)``: trials are ``dict(bias, score)`` in the order tried,
        ``start`` first.
    """
    best: Bias = [float(v) for v in start] if start is not None else [0.0] * num_classes
    trials = [dict(bias=list(best), score=score(best))]
    seen = {tuple(best)}
    best_score = trials[0]['score']
    for _ in range(rounds):
        improved = False
        for cls in range(num_classes):
            if cls == background:
                continue
            for value in grid:
                candidate = list(best)
                candidate[cls] = float(value)
                if tuple(candidate) in seen:
                    continue
                seen.add(tuple(candidate))
                result = score(candidate)
                trials.append(dict(bias=candidate, score=result))
                if result > best_score:
                    best, best_score, improved = candidate, result, True
        if not improved:
            break
    return best, trials


def collect_scores(model, dataloader) -> List[Any]:
    """The model's predictions on every item of ``dataloader`` (one pass): its data
    samples, each with ``seg_logits`` (C, H, W) at the label's size and the ground
    truth, all kept in memory (C x H x W floats per item)."""
    was_training = model.training
    model.eval()
    samples = []
    with torch.no_grad():
        for data in dataloader:
            samples.extend(model.test_step(data))
    model.train(was_training)
    return samples


def score_stored(samples: Sequence[Any], evaluator, bias: Optional[Bias],
                 scores: bool = False) -> Dict[str, float]:
    """``evaluator``'s metrics of the stored predictions with ``bias`` applied to their
    ``seg_logits`` before the argmax (each sample's ``pred_sem_seg`` is replaced by
    that argmax; its ``seg_logits`` are kept)."""
    from mmengine.structures import PixelData

    from rleseg.models.logit_bias import apply_logit_bias
    for sample in samples:
        logits = apply_logit_bias(sample.seg_logits.data, bias, scores)
        sample.pred_sem_seg = PixelData(data=logits.argmax(dim=0, keepdim=True))
        evaluator.process(data_samples=[sample], data_batch=None)
    return evaluator.evaluate(len(samples))


def _choose_logit_bias(model, split, start: Optional[Bias]
                       ) -> Tuple[Bias, List[Dict[str, Any]], Dict[str, float]]:
    from rleseg.models.logit_bias import scores_are_probabilities
    samples = collect_scores(model, split.dataloader)
    scores = scores_are_probabilities(model.decode_head)
    metrics: Dict[Tuple[float, ...], Dict[str, float]] = {}

    def score(bias: Bias) -> float:
        metrics[tuple(bias)] = score_stored(samples, split.evaluator, bias, scores)
        return float(metrics[tuple(bias)][SELECT_METRIC])

    best, trials = search_bias(score, model.num_classes, start=start)
    return best, trials, metrics[tuple(best)]


def _choose_eos_bias(model, split, start: float
                     ) -> Tuple[float, List[Dict[str, Any]], Dict[str, float]]:
    from .curves import evaluate
    best_value, best_metrics, trials = None, None, []
    for value in [start] + [v for v in EOS_BIAS_GRID if v != start]:
        model.test_cfg['eos_bias'] = float(value)
        metrics = evaluate(model, *split)
        trials.append(dict(bias=float(value), score=float(metrics[SELECT_METRIC])))
        if best_metrics is None or metrics[SELECT_METRIC] > best_metrics[SELECT_METRIC]:
            best_value, best_metrics = float(value), metrics
    return best_value, trials, best_metrics


def calibration_kind(model) -> Optional[str]:
    """:data:`KIND_LOGIT` for a LogitBiasEncoderDecoder, :data:`KIND_EOS` for a model
    whose ``test_cfg`` has ``eos_bias``, else None."""
    from rleseg.models.logit_bias import LogitBiasEncoderDecoder
    if isinstance(model, LogitBiasEncoderDecoder):
        return KIND_LOGIT
    test_cfg = getattr(model, 'test_cfg', None)
    if isinstance(test_cfg, dict) and 'eos_bias' in test_cfg:
        return KIND_EOS
    return None


def calibrate_run(runner, val_split: ValidationSplit) -> Dict[str, Any]:
    """Choose the decision rule of ``runner.model`` on the validation split, then score
    the test split once with it; the model's ``test_cfg`` is restored afterwards.

    Returns:
        ``dict(kind, bias, trials, val, metrics)``: ``kind`` :data:`KIND_LOGIT` (``bias``
        a list of C offsets) or :data:`KIND_EOS` (``bias`` one float), ``trials`` every
        candidate with its validation mDice (``score``), ``val`` the validation
        metrics with the chosen bias and ``metrics`` the test split's; or
        ``dict(kind=None, error=...)`` for a model without such a rule or a config
        without a validation split.
    """
    from .curves import evaluate
    model = runner.model
    kind = calibration_kind(model)
    if kind is None:
        return dict(kind=None, error=f'{type(model).__name__} has no decision-rule bias '
                    '(test_cfg.logit_bias or test_cfg.eos_bias)')
    split = val_split.build(runner)
    if split is None:
        return dict(kind=kind, error='no validation split to choose the bias on')
    if model.test_cfg is None:
        model.test_cfg = {}
    key = 'logit_bias' if kind == KIND_LOGIT else 'eos_bias'
    previous = model.test_cfg.get(key)
    try:
        if kind == KIND_LOGIT:
            bias, trials, val_metrics = _choose_logit_bias(model, split, model.logit_bias)
        else:
            bias, trials, val_metrics = _choose_eos_bias(model, split, float(previous))
        model.test_cfg[key] = bias
        loop = runner.test_loop
        test_metrics = evaluate(model, loop.dataloader, loop.evaluator)
    finally:
        model.test_cfg[key] = previous
    return dict(kind=kind, bias=bias, trials=trials,
                val={k: float(v) for k, v in val_metrics.items()},
                metrics={k: float(v) for k, v in test_metrics.items()})
