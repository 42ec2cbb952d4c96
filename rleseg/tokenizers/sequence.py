"""Sequence framing shared by all schemes: task token, EOS, padding, weights, reports.

Encoded sequence (length L = ``max_seq_len``)::

    tokens : [task] run tokens ... [EOS] [PAD] ... [PAD]
    weights: 0      1 ...          eos_w pad_w ... pad_w

``weights[i]`` is the loss weight of ``tokens[i]`` *as a prediction target*. The task
token is never predicted (weight 0). With teacher forcing the model feeds
``tokens[:-1]`` and scores its outputs against ``tokens[1:]`` with ``weights[1:]``.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Dict, List, Optional

import numpy as np

from .vocab import VocabLayout


@dataclass
class EncodedSequence:
    """One tokenised mask.

    Attributes:
        tokens: int64 (L,) token ids.
        weights: float32 (L,) loss weights (see module docstring).
        num_tokens: real tokens including task token and EOS (<= L).
        num_runs: runs kept in the sequence.
        num_truncated_runs: runs dropped because the sequence would exceed L.
        num_groups: instance/class groups kept (panoptic schemes; 0 otherwise).
    """

    tokens: np.ndarray
    weights: np.ndarray
    num_tokens: int
    num_runs: int
    num_truncated_runs: int = 0
    num_groups: int = 0

    @property
    def truncated(self) -> bool:
        return self.num_truncated_runs > 0

    def stats(self) -> Dict[str, int]:
        """Plain dict of ints (for ``results['token_stats']`` and logs)."""
        return dict(num_tokens=int(self.num_tokens), num_runs=int(self.num_runs),
                    num_truncated_runs=int(self.num_truncated_runs),
                    num_groups=int(self.num_groups), truncated=int(self.truncated))


@dataclass
class DecodeReport:
    """What decoding one sequence kept and dropped (all counts are ints).

    Attributes:
        num_tokens: tokens up to and including the terminator (task token included);
            the whole row when there is no terminator.
        num_runs: runs painted.
        num_dropped_tokens: body tokens that are not part of a complete run (or group):
            unknown / special ids, stray fields, trailing partial run.
        num_dropped_runs: complete runs rejected (value out of range, or a panoptic run
            not closed by a class token).
        num_clipped_runs: runs cut at the end of the mask.
        num_after_eos: non-PAD tokens after the terminator (ignored).
        num_groups: panoptic instance/class groups decoded (0 for other schemes).
        truncated: 1 when the sequence has no EOS/PAD terminator, else 0.
    """

    num_tokens: int = 0
    num_runs: int = 0
    num_dropped_tokens: int = 0
    num_dropped_runs: int = 0
    num_clipped_runs: int = 0
    num_after_eos: int = 0
    num_groups: int = 0
    truncated: int = 0

    def to_dict(self) -> Dict[str, int]:
        return {k: int(v) for k, v in asdict(self).items()}


@dataclass
class EncodedBatch:
    """B tokenised masks as arrays; ``batch[b]`` is the b-th :class:`EncodedSequence`.

    Attributes:
        tokens: int64 (B, L); weights: float32 (B, L); num_tokens, num_runs,
        num_truncated_runs, num_groups: int64 (B,).
    """

    tokens: np.ndarray
    weights: np.ndarray
    num_tokens: np.ndarray
    num_runs: np.ndarray
    num_truncated_runs: np.ndarray
    num_groups: np.ndarray

    def __len__(self) -> int:
        return int(self.tokens.shape[0])

    def __getitem__(self, b: int) -> EncodedSequence:
        return EncodedSequence(self.tokens[b], self.weights[b], int(self.num_tokens[b]),
                               int(self.num_runs[b]), int(self.num_truncated_runs[b]),
                               int(self.num_groups[b]))

    @classmethod
    def stack(cls, seqs: List[EncodedSequence]) -> 'EncodedBatch':
        def ints(name):
            return np.array([getattr(s, name) for s in seqs], np.int64)
        return cls(np.stack([s.tokens for s in seqs]), np.stack([s.weights for s in seqs]),
                   ints('num_tokens'), ints('num_runs'), ints('num_truncated_runs'),
                   ints('num_groups'))


def frame_sequences(body_rows: np.ndarray, body_pos: np.ndarray, body_ids: np.ndarray,
                    body_len: np.ndarray, layout: VocabLayout, task: str, max_seq_len: int,
                    pad_weight: float, eos_weight: Optional[float] = None):
    """Frame the body tokens of B sequences as ``[task] body [EOS] PAD...``.

    Args:
        body_rows, body_pos, body_ids: (T,) sequence index, 0-based position inside the
            body, and id of every body token (all sequences together).
        body_len: (B,) body length of each sequence; callers truncate so that
            ``body_len + 2 <= max_seq_len``.
    Returns:
        (tokens int64 (B, L), weights float32 (B, L), num_tokens int64 (B,))
    """
    b = body_len.shape[0]
    if b and int(body_len.max()) + 2 > max_seq_len:
        raise ValueError(f'frame_sequences: a body of {int(body_len.max())} tokens does not '
                         f'fit max_seq_len {max_seq_len} (task + EOS need 2)')
    row_off = np.arange(b) * max_seq_len
    at_body = body_rows * max_seq_len + body_pos + 1     # flat positions
    at_eos = row_off + body_len + 1
    tokens = np.full(b * max_seq_len, layout.pad_id, np.int64)
    tokens[row_off] = layout.special[task]
    tokens[at_body] = body_ids
    tokens[at_eos] = layout.eos_id
    weights = np.full(b * max_seq_len, pad_weight, np.float32)
    weights[row_off] = 0.0
    weights[at_body] = 1.0
    weights[at_eos] = pad_weight if eos_weight is None else eos_weight
    return (tokens.reshape(b, max_seq_len), weights.reshape(b, max_seq_len),
            body_len + 2)


def make_sequence(body: np.ndarray, layout: VocabLayout, task: str, max_seq_len: int,
                  pad_weight: float, eos_weight: Optional[float] = None):
    """Frame one body (already truncated to ``max_seq_len - 2`` tokens).

    Returns:
        (tokens int64 (L,), weights float32 (L,), num_tokens int)
    """
    t = body.shape[0]
    if t + 2 > max_seq_len:
        raise ValueError(f'make_sequence: a body of {t} tokens does not fit max_seq_len '
                         f'{max_seq_len} (task + EOS need 2)')
    tokens = np.full(max_seq_len, layout.pad_id, np.int64)
    tokens[0] = layout.special[task]
    tokens[1:t + 1] = body
    tokens[t + 1] = layout.eos_id
    weights = np.full(max_seq_len, pad_weight, np.float32)
    weights[0] = 0.0
    weights[1:t + 1] = 1.0
    weights[t + 1] = pad_weight if eos_weight is None else eos_weight
    return tokens, weights, t + 2


@dataclass
class Framed:
    """A batch of id rows reduced to their bodies, flattened with separators.

    ``flat`` is (B*(W+1),) int64 with W = the longest body end: row b's ids where they are
    body tokens and -1 elsewhere (task token, terminator, tokens after it, one separator
    column per row), so no grammar window can span two rows. Position p belongs to row
    ``p // stride`` and is column ``p % stride`` of that row's id sequence.
    """

    flat: np.ndarray
    stride: int
    batch: int
    body_len: np.ndarray        # (B,)
    body_start: np.ndarray      # (B,) 0 or 1 (task token present)
    counts: Dict[str, np.ndarray]  # DecodeReport field -> (B,) int64, filled while parsing

    def rows(self, positions: np.ndarray) -> np.ndarray:
        return positions // self.stride

    def tally(self, rows: np.ndarray, **masks: np.ndarray) -> None:
        """``counts[name]`` = per-row number of True entries, for each ``name=mask``."""
        for name, mask in masks.items():
            self.counts[name] = np.bincount(rows[mask], minlength=self.batch)

    def reports(self) -> List[DecodeReport]:
        """One :class:`DecodeReport` per row from ``counts`` (missing fields are 0)."""
        return make_reports(self.counts, self.batch)


def unpadded_length(tokens, pad_id: int) -> int:
    """Columns of a teacher-forcing batch (B, L) that matter: the longest non-PAD
    prefix + 1 (its last target is PAD), at least 2 and at most L. Dropping the rest
    changes no prediction of a causal decoder. ``tokens``: a (B, L) integer numpy array
    or torch tensor."""
    keep = int((tokens != pad_id).sum(1).max()) + 1
    return max(2, min(keep, tokens.shape[1]))


def make_reports(counts: Dict[str, np.ndarray], batch: int) -> List[DecodeReport]:
    """DecodeReport field -> (B,) int counts  ->  B :class:`DecodeReport` (missing: 0)."""
    zeros = [0] * batch
    cols = [counts[n].tolist() if n in counts else zeros
            for n in DecodeReport.__dataclass_fields__]
    return [DecodeReport(*vals) for vals in zip(*cols)]


def id_rows(ids) -> np.ndarray:
    """(L,) or (B, L) integer array-like (numpy, list, CPU tensor) -> (B, L) int64.

    Raises:
        ValueError: the ids are not integers (float, complex, bool, object, ...):
            a float id is never rounded or truncated to a token, NaN / inf neither.
            An empty array of any dtype is accepted (``np.asarray([])`` is float).
    """
    ids = np.asarray(ids)
    if ids.dtype.kind not in 'iu' and ids.size:
        raise ValueError(f'decode: token ids must be integers, got dtype {ids.dtype}; '
                         'pass the model\'s integer ids (argmax / sampled), not scores')
    if ids.ndim == 1:
        ids = ids[None]
    if ids.ndim != 2:
        raise ValueError(f'decode: ids must be 1-D or 2-D, got shape {ids.shape}')
    return ids.astype(np.int64, copy=False)


def frame_batch(ids, layout: VocabLayout) -> Framed:
    """Strip task tokens, terminators and what follows from a batch of id rows.

    Args:
        ids: (L,) or (B, L) integer array-like (numpy, list, CPU tensor).
    """
    ids = id_rows(ids)
    b, length = ids.shape
    task = np.array(sorted(layout.task_ids.values()), np.int64)
    body_start = ((ids[:, :1] == task).any(axis=1) if length else np.zeros(b, bool)) \
        .astype(np.int64)
    term = (ids == layout.eos_id) | (ids == layout.pad_id)  # never a task token
    has_term = term.any(axis=1)
    first = term.argmax(axis=1) if length else np.zeros(b, np.int64)
    end = np.where(has_term, first, length)
    rows = np.arange(b)
    eos_at_end = has_term & (ids[rows, np.minimum(end, length - 1)] == layout.eos_id) \
        if length else np.zeros(b, bool)
    after = (ids != layout.pad_id).sum(axis=1) - end - eos_at_end
    width = int(end.max(initial=0))         # no body token lies beyond the last end
    pos = np.arange(width, dtype=np.int64)
    in_body = (pos[None, :] >= body_start[:, None]) & (pos[None, :] < end[:, None])
    framed = np.full((b, width + 1), -1, np.int64)
    framed[:, :width] = np.where(in_body, ids[:, :width], -1)
    counts = dict(num_tokens=np.where(has_term, end + 1, length), num_after_eos=after,
                  truncated=(~has_term).astype(np.int64))
    return Framed(flat=framed.reshape(-1), stride=width + 1, batch=b,
                  body_len=np.maximum(end - body_start, 0), body_start=body_start,
                  counts=counts)


def find_windows(kinds: np.ndarray, k: int) -> np.ndarray:
    """Positions p where ``kinds[p:p+k] == 0, 1, ..., k-1`` (a complete run).

    Such windows never overlap (only position p has kind 0 within one), so every token is
    in at most one run.
    """
    n = kinds.shape[0]
    if n < k:
        return np.zeros(0, np.int64)
    ok = kinds[:n - k + 1] == 0
    for j in range(1, k):
        ok &= kinds[j:n - k + 1 + j] == j
    return np.flatnonzero(ok)

