"""Per-class pixel counts and the scores derived from them (numpy / torch only).

For a class ``c`` and a set of valid pixels (ground truth != ``ignore_index``):

* ``tp``   = pixels with prediction == c and ground truth == c,
* ``pred`` = pixels with prediction == c (TP + FP),
* ``gt``   = pixels with ground truth == c (TP + FN).

Scores (fractions in [0, 1]): recall = TP / GT, precision = TP / Pred,
Dice = 2 TP / (Pred + GT), IoU = TP / (Pred + GT - TP).

A class is *evaluated* where it appears in the ground truth or in the prediction
(``pred + gt > 0``). There every score is defined: a zero denominator can only occur
when one side is empty, and then TP = 0, so the score is 0 (a class present in the
ground truth but never predicted has precision 0; a hallucinated class has recall 0).
Where a class appears in neither, it is *excluded* (no score, never NaN).
"""
from __future__ import annotations

from typing import Dict, Tuple

import numpy as np
import torch

SCORE_NAMES: Tuple[str, ...] = ('Recall', 'Precision', 'Dice', 'IoU')


def class_pixel_counts(pred: torch.Tensor | np.ndarray, gt: torch.Tensor | np.ndarray,
                       num_classes: int, ignore_index: int = 255) -> np.ndarray:
    """Count TP, predicted and ground-truth pixels of every class in one image.

    Args:
        pred: (H, W) integer labels in [0, num_classes).
        gt: (H, W) integer labels in [0, num_classes) or ``ignore_index``.
        num_classes: number of classes C, background included.
        ignore_index: ground-truth value of pixels left out of every count.

    Returns:
        int64 array (3, C): rows ``tp``, ``pred``, ``gt``.

    Raises:
        ValueError: on a shape mismatch or a label outside [0, C) (other than
            ``ignore_index`` in the ground truth).
    """
    pred_t = torch.as_tensor(pred).reshape(-1).long().cpu()
    gt_t = torch.as_tensor(gt).reshape(-1).long().cpu()
    if pred_t.numel() != gt_t.numel():
        raise ValueError(f'class_pixel_counts: prediction has {pred_t.numel()} pixels '
                         f'but ground truth has {gt_t.numel()}')
    valid = gt_t != ignore_index
    pred_t, gt_t = pred_t[valid], gt_t[valid]
    for name, labels in (('prediction', pred_t), ('ground truth', gt_t)):
        if labels.numel() and (labels.min() < 0 or labels.max() >= num_classes):
            raise ValueError(f'class_pixel_counts: {name} label out of range '
                             f'[0, {num_classes}): min {int(labels.min())}, '
                             f'max {int(labels.max())}')
    confusion = torch.bincount(gt_t * num_classes + pred_t,
                               minlength=num_classes * num_classes)
    confusion = confusion.reshape(num_classes, num_classes).numpy()
    return np.stack([np.diag(confusion), confusion.sum(0),
                     confusion.sum(1)]).astype(np.int64)


def _safe_ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """``numerator / denominator`` with 0 where the denominator is 0."""
    out = np.zeros(np.broadcast(numerator, denominator).shape, dtype=np.float64)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


def scores_from_counts(counts: np.ndarray) -> Tuple[Dict[str, np.ndarray], np.ndarray]:
    """Recall, precision, Dice and IoU from counts.

    Args:
        counts: (..., 3, C) counts as returned by :func:`class_pixel_counts` (a leading
            image axis is allowed).

    Returns:
        ``(scores, evaluated)``: ``scores`` maps each of :data:`SCORE_NAMES` to a float
        array (..., C) of fractions; ``evaluated`` is a bool array (..., C), True where
        the class appears in the ground truth or the prediction. Scores of excluded
        entries are 0 and must be masked out with ``evaluated``.
    """
    counts = np.asarray(counts, dtype=np.float64)
    tp, pred, gt = counts[..., 0, :], counts[..., 1, :], counts[..., 2, :]
    scores = {
        'Recall': _safe_ratio(tp, gt),
        'Precision': _safe_ratio(tp, pred),
        'Dice': _safe_ratio(2 * tp, pred + gt),
        'IoU': _safe_ratio(tp, pred + gt - tp),
    }
    return scores, (pred + gt) > 0


def per_image_class_scores(
        image_counts: np.ndarray) -> Tuple[Dict[str, np.ndarray], np.ndarray]:
    """The paper's convention: each class's score averaged over the images where it
    appears in the ground truth or the prediction.

    Args:
        image_counts: (N, 3, C) counts of N images.

    Returns:
        ``(scores, evaluated)``: scores (C,) per name; ``evaluated`` (C,) is True for
        classes that appear in at least one image (others have score 0, excluded).
    """
    scores, evaluated = scores_from_counts(image_counts)
    num_images = evaluated.sum(0)
    averaged = {
        name: _safe_ratio((value * evaluated).sum(0), num_images)
        for name, value in scores.items()
    }
    return averaged, num_images > 0


def dataset_class_scores(
        image_counts: np.ndarray) -> Tuple[Dict[str, np.ndarray], np.ndarray]:
    """Scores of the counts accumulated over all images (mmseg ``IoUMetric``'s way).

    Args:
        image_counts: (N, 3, C) counts of N images.

    Returns:
        ``(scores, evaluated)`` as :func:`scores_from_counts` of the summed counts.
    """
    return scores_from_counts(np.asarray(image_counts).sum(0))
