"""Learning curves: the validation split scored at evenly spaced points of training.

:class:`LearningCurveHook` scores the model on the validation split
(:class:`~rleseg.benchmark.validation.ValidationSplit`, with the same metric code as
the final evaluation) at ``K - 1`` evenly spaced iterations; the benchmark adds the
final validation score as the K-th point. Every point names its split
(``split='val'``), so budgets chosen on a curve are chosen on validation; the test
split is never scored during training. A config without a validation split gets no
curve (the record's ``eval.val`` is None and the log says why). The weights at each
point are kept (``curve_iter_<n>.pth``, the point's ``checkpoint``), so that a
checkpoint chosen on validation (:mod:`rleseg.benchmark.selection`) can be scored on
the test split afterwards. Evaluating
leaves training untouched: the random states (Python, numpy, torch, CUDA) are restored
afterwards, so a run with curve points trains the same weights as a run without.

The points and the cumulative training time (seconds of training iterations,
evaluation excluded) live in the runner's message hub, which mmengine stores in every
checkpoint: a resumed run continues the curve of the checkpoint it resumed from.
"""
from __future__ import annotations

import os.path as osp
import random
import time
from typing import Any, Dict, List, Sequence

import numpy as np
import torch
from mmengine.hooks import Hook

from .validation import SPLIT_TEST, SPLIT_VAL, ValidationSplit

#: Metrics kept per curve point (those a model reports).
CURVE_METRICS = ('mDice', 'mIoU', 'mRecall', 'mPrecision', 'PQ')
CURVE_KEY = 'rleseg_curve'
#: File name of the weights kept at a curve point (``n``: iterations trained).
CURVE_CHECKPOINT = 'curve_iter_{}.pth'
SECONDS_KEY = 'rleseg_train_seconds'


def curve_iterations(max_iters: int, points: int) -> List[int]:
    """The iterations (1-based counts) after which the curve is scored: ``points``
    evenly spaced over ``max_iters``, the last one being ``max_iters`` itself.

    >>> curve_iterations(200, 4)
    [50, 100, 150, 200]
    """
    if points < 1:
        return []
    return sorted({max(1, round(k * max_iters / points)) for k in range(1, points + 1)})


def curve_metrics(metrics: Dict[str, Any]) -> Dict[str, float]:
    """The :data:`CURVE_METRICS` of an evaluation result, as floats."""
    return {key: float(metrics[key]) for key in CURVE_METRICS if key in metrics}


def point_split(point: Dict[str, Any]) -> str:
    """The split a curve point was scored on (points recorded before curves moved to
    the validation split carry no ``split`` and were scored on the test split)."""
    return point.get('split', SPLIT_TEST)


class _PreservedRandomState:
    """Context manager restoring every random state the training loop draws from."""

    def __enter__(self) -> '_PreservedRandomState':
        self.states = (random.getstate(), np.random.get_state(), torch.get_rng_state(),
                       torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None)
        return self

    def __exit__(self, *exc) -> None:
        python, numpy_state, cpu, cuda = self.states
        random.setstate(python)
        np.random.set_state(numpy_state)
        torch.set_rng_state(cpu)
        if cuda is not None:
            torch.cuda.set_rng_state_all(cuda)


def evaluate(model: torch.nn.Module, dataloader, evaluator) -> Dict[str, float]:
    """Score ``model`` on every batch of ``dataloader`` with ``evaluator`` (an mmengine
    ``Evaluator``), as mmengine's ``TestLoop`` does, without its hooks; the model's
    train / eval mode is restored."""
    was_training = model.training
    model.eval()
    with torch.no_grad():
        for data in dataloader:
            outputs = model.test_step(data)
            evaluator.process(data_samples=outputs, data_batch=data)
    metrics = evaluator.evaluate(len(dataloader.dataset))
    model.train(was_training)
    return metrics


class LearningCurveHook(Hook):
    """Score the validation split at ``iterations`` while training (see the module
    doc).

    Args:
        iterations: iteration counts after which to score (the final one is left to
            the caller's own evaluation, see :func:`curve_iterations`).
        split: the validation split of the run.
        keep_checkpoints: save the weights (no optimizer state) at every point into
            the run's work directory (:data:`CURVE_CHECKPOINT`).
    """

    priority = 'LOW'

    def __init__(self, iterations: Sequence[int], split: ValidationSplit,
                 keep_checkpoints: bool = True) -> None:
        self.iterations = set(int(i) for i in iterations)
        self.split = split
        self.keep_checkpoints = keep_checkpoints
        self._last = 0.0

    def before_train(self, runner) -> None:
        if self.iterations and not self.split.exists:
            runner.logger.warning('no validation split (val_dataloader) in the config: '
                                  'the learning curve is not scored')
            self.iterations = set()
        self._last = time.perf_counter()

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        hub = runner.message_hub
        now = time.perf_counter()
        seconds = float(hub.get_info(SECONDS_KEY, 0.0)) + now - self._last
        hub.update_info(SECONDS_KEY, seconds)
        done = runner.iter + 1
        if done in self.iterations and done < runner.max_iters:
            with _PreservedRandomState():
                metrics = evaluate(runner.model, *self.split.build(runner))
            point = dict(iter=done, train_s=seconds, split=SPLIT_VAL,
                         **curve_metrics(metrics))
            if self.keep_checkpoints:
                name = CURVE_CHECKPOINT.format(done)
                point['checkpoint'] = osp.join(osp.abspath(runner.work_dir), name)
            points = list(hub.get_info(CURVE_KEY, [])) + [point]
            hub.update_info(CURVE_KEY, points)
            if self.keep_checkpoints:
                runner.save_checkpoint(runner.work_dir, name, save_optimizer=False,
                                       save_param_scheduler=False, by_epoch=False)
            runner.logger.info(f'learning curve (val) at iteration {done}: '
                               + ', '.join(f'{k} {v:.2f}' for k, v in points[-1].items()
                                           if k in CURVE_METRICS))
        self._last = time.perf_counter()

    @staticmethod
    def read(runner) -> Dict[str, Any]:
        """``{'points': [...], 'train_s': seconds}`` recorded so far in the runner."""
        hub = runner.message_hub
        return dict(points=list(hub.get_info(CURVE_KEY, [])),
                    train_s=float(hub.get_info(SECONDS_KEY, 0.0)))
