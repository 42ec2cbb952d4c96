"""Sequence statistics: token counts per scheme, per mask and over a dataset.

``needed`` counts are untruncated (task + all runs/groups + EOS); a mask is *truncated*
when ``needed > max_seq_len``.
"""
from __future__ import annotations

from typing import Dict, Iterable, Mapping, Optional, Sequence

import numpy as np


def sequence_stats(tok, mask: np.ndarray, instances: Optional[np.ndarray] = None
                   ) -> Dict[str, int]:
    """Token statistics of one mask under ``tok``.

    Returns:
        dict of ints: num_runs (untruncated), num_tokens_needed, num_tokens (in the
        length-L sequence), num_truncated_runs, truncated (0/1).
    """
    enc = tok.encode(mask) if instances is None else tok.encode(mask, instances)
    return dict(num_runs=enc.num_runs + enc.num_truncated_runs,
                num_tokens_needed=_needed(tok, mask, instances),
                num_tokens=enc.num_tokens, num_truncated_runs=enc.num_truncated_runs,
                truncated=int(enc.truncated))


def _needed(tok, mask, instances) -> int:
    return tok.count_tokens(mask) if instances is None else tok.count_tokens(mask, instances)


def dataset_stats(tok, masks: Iterable[np.ndarray],
                  instances: Optional[Iterable[np.ndarray]] = None) -> Dict[str, float]:
    """Aggregate statistics over masks (and instance maps for 'instance').

    Returns:
        dict: num_masks, tokens_mean / tokens_median / tokens_p95 / tokens_max (needed,
        untruncated), runs_mean, truncation_rate (fraction of masks that do not fit L),
        truncated_runs_mean, empty_rate (fraction of masks without runs), max_seq_len.
    """
    inst_iter = iter(instances) if instances is not None else None
    needed, runs, cut = [], [], []
    for mask in masks:
        inst = next(inst_iter) if inst_iter is not None else None
        s = sequence_stats(tok, mask, inst)
        needed.append(s['num_tokens_needed'])
        runs.append(s['num_runs'])
        cut.append(s['num_truncated_runs'])
    if not needed:
        raise ValueError('dataset_stats: no masks given')
    needed_a, runs_a, cut_a = (np.asarray(v, np.float64) for v in (needed, runs, cut))
    return dict(num_masks=len(needed), tokens_mean=float(needed_a.mean()),
                tokens_median=float(np.median(needed_a)),
                tokens_p95=float(np.percentile(needed_a, 95)),
                tokens_max=int(needed_a.max()), runs_mean=float(runs_a.mean()),
                truncation_rate=float((cut_a > 0).mean()),
                truncated_runs_mean=float(cut_a.mean()),
                empty_rate=float((runs_a == 0).mean()), max_seq_len=int(tok.max_seq_len))


def scheme_token_counts(mask: np.ndarray, schemes: Sequence[str], base_cfg: Mapping,
                        instances: Optional[np.ndarray] = None) -> Dict[str, int]:
    """Untruncated token count of one mask under several schemes sharing ``base_cfg``.

    ``base_cfg`` holds the common tokenizer arguments (mask_size, num_classes, ...);
    ``instances`` is passed to the 'instance' scheme only.
    """
    from . import build_tokenizer  # local: the package imports this module
    out = {}
    for scheme in schemes:
        tok = build_tokenizer(dict(base_cfg, scheme=scheme))
        out[scheme] = _needed(tok, mask, instances if scheme == 'instance' else None)
    return out
