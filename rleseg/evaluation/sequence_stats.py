"""Sequence statistics of token-predicting models (Pix2Seq RLE).

A Pix2Seq segmentor's data samples carry, besides ``pred_sem_seg``, the generated
``pred_tokens`` and a ``decode_report`` (plain dict of ints: ``num_tokens``,
``num_runs``, ``num_dropped_tokens``, ``num_dropped_runs``, ``truncated``), and the
ground truth's own sequence at the model's input size, written by the model's data
preprocessor (``Pix2SeqDataPreProcessor``; or ``RLETokenize`` in the pipeline):
``gt_tokens`` (padded with id 0; (windows, L) for sliding-window models, counted
together) and ``token_stats`` (counts; ``truncated`` > 0 when the ground truth, or one
of its windows, needs more than L tokens).
"""
from __future__ import annotations

from typing import Dict, List, Mapping, Optional

import numpy as np
import torch

#: Keys of ``decode_report`` that the statistics read.
REPORT_KEYS = ('num_tokens', 'num_runs', 'num_dropped_tokens', 'truncated')

#: Order of the per-image record produced by :func:`sequence_record`.
RECORD_FIELDS = ('tokens', 'runs', 'dropped_tokens', 'truncated', 'gt_tokens',
                 'gt_truncated', 'gt_runs')


def sequence_record(sample: Mapping, pad_id: int = 0) -> Optional[np.ndarray]:
    """The sequence numbers of one predicted sample, or None for non-token models.

    Args:
        sample: a data sample as a dict (``SegDataSample.to_dict()``).
        pad_id: padding id of ``gt_tokens``.

    Returns:
        float64 array (7,) in :data:`RECORD_FIELDS` order (``gt_tokens`` /
        ``gt_truncated`` / ``gt_runs`` are NaN when the sample has no ground-truth
        tokens / token statistics / run count in them), or None when the sample has
        no ``decode_report``.

    Raises:
        KeyError: when ``decode_report`` lacks one of :data:`REPORT_KEYS`.
    """
    report = sample.get('decode_report')
    if report is None:
        return None
    missing = [key for key in REPORT_KEYS if key not in report]
    if missing:
        raise KeyError(f'decode_report of {sample.get("img_path", "a sample")} lacks '
                       f'{missing} (has {sorted(report)})')
    gt_tokens = sample.get('gt_tokens')
    num_gt = (float(torch.count_nonzero(torch.as_tensor(gt_tokens) != pad_id))
              if gt_tokens is not None else np.nan)
    gt_stats = sample.get('token_stats')
    gt_truncated = float(bool(gt_stats['truncated'])) if gt_stats else np.nan
    gt_runs = float(gt_stats['num_runs']) if gt_stats and 'num_runs' in gt_stats else np.nan
    return np.array([
        report['num_tokens'], report['num_runs'], report['num_dropped_tokens'],
        bool(report['truncated']), num_gt, gt_truncated, gt_runs
    ], dtype=np.float64)


def summarize_sequences(records: List[np.ndarray]) -> Dict[str, float]:
    """Aggregate per-image records into the reported statistics.

    Args:
        records: per-image arrays from :func:`sequence_record` (at least one).

    Returns:
        ``seq_tokens_per_image`` (mean generated tokens), ``seq_runs_per_image``,
        ``seq_truncated_pct`` (images whose generation hit the length limit, %),
        ``seq_malformed_pct`` (dropped / generated tokens, %), and
        ``seq_gt_tokens_per_image`` / ``seq_gt_truncated_pct`` (ground truths that
        do not fit L, %) when ground-truth tokens / statistics were available, and
        ``seq_no_run_pct`` (generations that end before their first run, % of the
        images whose ground truth holds at least one run; the first symptom of a
        model that learnt the majority class) when every record has its ground
        truth's run count and some ground truth holds a run.
    """
    table = np.stack(records)
    tokens, runs, dropped, truncated, gt_tokens, gt_truncated, gt_runs = table.T
    stats = {
        'seq_tokens_per_image': float(tokens.mean()),
        'seq_runs_per_image': float(runs.mean()),
        'seq_truncated_pct': float(100.0 * truncated.mean()),
        'seq_malformed_pct': float(100.0 * dropped.sum() / max(tokens.sum(), 1.0)),
    }
    if not np.isnan(gt_tokens).any():
        stats['seq_gt_tokens_per_image'] = float(gt_tokens.mean())
    if not np.isnan(gt_truncated).any():
        stats['seq_gt_truncated_pct'] = float(100.0 * gt_truncated.mean())
    if not np.isnan(gt_runs).any() and (gt_runs > 0).any():
        stats['seq_no_run_pct'] = float(100.0 * (runs[gt_runs > 0] == 0).mean())
    return stats
