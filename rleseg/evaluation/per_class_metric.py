"""``PerClassSegMetric``: the paper's per-class recall, precision, Dice and IoU."""
from __future__ import annotations

import re
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log
from mmseg.registry import METRICS
from tabulate import tabulate

from .counts import (SCORE_NAMES, class_pixel_counts, dataset_class_scores,
                     per_image_class_scores)
from .sequence_stats import sequence_record, summarize_sequences


def class_key(name: str) -> str:
    """A class name as it appears in metric keys (spaces and slashes become '_')."""
    return re.sub(r'[\s/]+', '_', str(name).strip())


def found_shares(image_counts: np.ndarray, names: Sequence[str],
                 foreground: np.ndarray) -> Dict[str, float]:
    """``Found_<C>`` and ``fg_found_pct`` (%, see :class:`PerClassSegMetric`) of
    (N, 3, C) per-image ``tp`` / ``pred`` / ``gt`` counts; ``foreground`` (C,) bool."""
    tp, gt = image_counts[:, 0], image_counts[:, 2]
    found: Dict[str, float] = {}
    for index in np.flatnonzero(foreground):
        holds = gt[:, index] > 0
        if holds.any():
            found[f'Found_{class_key(names[index])}'] = float(
                100.0 * (tp[holds, index] > 0).mean())
    holds = gt[:, foreground].sum(1) > 0
    if holds.any():
        found['fg_found_pct'] = float(100.0 * (tp[holds][:, foreground].sum(1) > 0).mean())
    return found


@METRICS.register_module()
class PerClassSegMetric(BaseMetric):
    """Per-class recall, precision, Dice and IoU, two ways, plus sequence statistics.

    Every score is a percentage. Two aggregations are reported:

    * **per image** (the paper's convention, keys without prefix): a class's score is
      averaged over the images where it appears in the ground truth or the prediction;
    * **dataset** (keys prefixed ``dataset_``): scores of the pixel counts accumulated
      over the whole dataset, as mmseg's ``IoUMetric`` computes them.

    A class that appears in neither ground truth nor prediction is excluded (its keys
    are absent, never NaN); a class present but never predicted scores precision 0.
    Means (``m...``) are over the *foreground* classes, i.e. all but
    ``background_index``, that are evaluated.

    Whether a model finds rare classes at all is counted per image: ``Found_<C>``
    (foreground classes) is the share of the images holding class C in the ground truth where the prediction
    covers at least one of its pixels (recall above zero), and ``fg_found_pct`` the
    share of the images holding any foreground where the prediction covers at least
    one foreground pixel with its right class (absent when no image holds foreground).

    Output keys (``<C>`` = class name with spaces as '_'):
        ``mRecall``, ``mPrecision``, ``mDice``, ``mIoU``; ``Recall_<C>``, ...;
        ``dataset_mRecall``, ...; ``dataset_Recall_<C>``, ...; ``aAcc`` (pixel
        accuracy); ``Found_<C>``, ``fg_found_pct``;
        ``num_images``; and for token models ``seq_tokens_per_image``,
        ``seq_runs_per_image``, ``seq_truncated_pct``, ``seq_malformed_pct``,
        ``seq_gt_tokens_per_image`` (see :mod:`rleseg.evaluation.sequence_stats`).

    Args:
        ignore_index: ground-truth label left out of every count.
        background_index: class excluded from the means; None includes every class.
        num_classes: number of classes; None reads ``len(dataset_meta['classes'])``.
        pad_id: padding id of ``gt_tokens`` (sequence statistics).
        log_table: log a per-class table after each evaluation.
        collect_device: 'cpu' or 'gpu', as :class:`mmengine.evaluator.BaseMetric`.
        prefix: metric-name prefix, as :class:`mmengine.evaluator.BaseMetric`.
    """

    def __init__(self,
                 ignore_index: int = 255,
                 background_index: Optional[int] = 0,
                 num_classes: Optional[int] = None,
                 pad_id: int = 0,
                 log_table: bool = True,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.ignore_index = ignore_index
        self.background_index = background_index
        self.num_classes = num_classes
        self.pad_id = pad_id
        self.log_table = log_table

    @property
    def class_names(self) -> List[str]:
        """Class names from ``dataset_meta``, or ``class<i>`` without it."""
        meta = self.dataset_meta or {}
        if 'classes' in meta:
            names = list(meta['classes'])
            if self.num_classes is not None and len(names) != self.num_classes:
                raise ValueError(f'PerClassSegMetric: num_classes={self.num_classes} '
                                 f'but dataset_meta lists {len(names)} classes')
            return names
        if self.num_classes is None:
            raise ValueError('PerClassSegMetric: set num_classes or run it with a '
                             'dataset whose metainfo has "classes"')
        return [f'class{i}' for i in range(self.num_classes)]

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Store each sample's (3, C) pixel counts and sequence record.

        Args:
            data_batch: the batch (unused).
            data_samples: predictions as dicts with ``pred_sem_seg`` and
                ``gt_sem_seg`` (``{'data': (1, H, W) tensor}``), optionally
                ``decode_report``, ``pred_tokens`` and ``gt_tokens``.
        """
        num_classes = len(self.class_names)
        for sample in data_samples:
            pred = sample['pred_sem_seg']['data'].squeeze(0)
            gt = sample['gt_sem_seg']['data'].squeeze(0)
            counts = class_pixel_counts(pred, gt, num_classes, self.ignore_index)
            self.results.append((counts, sequence_record(sample, self.pad_id)))

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Aggregate stored counts into the metric dictionary (see class docstring)."""
        image_counts = np.stack([counts for counts, _ in results])
        names = self.class_names
        foreground = np.array([i != self.background_index for i in range(len(names))])
        metrics: Dict[str, float] = {'num_images': float(len(results))}
        totals = image_counts.sum(0)
        metrics['aAcc'] = float(100.0 * totals[0].sum() / max(totals[2].sum(), 1))
        rows = {}
        for prefix, aggregate in (('', per_image_class_scores),
                                  ('dataset_', dataset_class_scores)):
            scores, evaluated = aggregate(image_counts)
            for score in SCORE_NAMES:
                values = 100.0 * scores[score]
                for index, name in enumerate(names):
                    if evaluated[index]:
                        metrics[f'{prefix}{score}_{class_key(name)}'] = float(
                            values[index])
                        rows.setdefault(name, {})[f'{prefix}{score}'] = values[index]
                selected = evaluated & foreground
                if selected.any():
                    metrics[f'{prefix}m{score}'] = float(values[selected].mean())
        metrics.update(found_shares(image_counts, names, foreground))
        sequences = [record for _, record in results if record is not None]
        if sequences:
            metrics.update(summarize_sequences(sequences))
        if self.log_table:
            self._log_table(names, rows, metrics)
        return metrics

    def _log_table(self, names: List[str], rows: dict, metrics: dict) -> None:
        """Log the per-class scores (per image / dataset) as one table."""
        columns = [f'{prefix}{score}' for prefix in ('', 'dataset_')
                   for score in SCORE_NAMES]
        table = [[name] + [f'{rows[name][column]:.2f}' if name in rows else '-'
                           for column in columns] for name in names]
        means = [metrics.get(re.sub(r'^(dataset_)?', r'\g<1>m', column))
                 for column in columns]
        table.append(['mean (fg)'] + ['-' if m is None else f'{m:.2f}' for m in means])
        logger: MMLogger = MMLogger.get_current_instance()
        print_log('per-class scores (%; per image = averaged over the images where the '
                  'class appears; dataset = accumulated counts):\n'
                  + tabulate(table, headers=['class'] + columns, tablefmt='github'),
                  logger=logger)
