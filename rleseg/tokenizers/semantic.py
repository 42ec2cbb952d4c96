"""Image schemes ``bin``, ``mc``, ``lac`` (with optional ``2d`` starts) and the shared core.

:class:`RLETokenizer` is the one implementation of mask <-> tokens. Video and panoptic
tokenizers subclass it and only override the hooks that differ (how the input becomes a
class grid, how many classes the grid has, and, for panoptic, the body grammar).

Encoding: mask (P x P, or (N, P, P) for windows) -> labels remapped -> subsampled by k to
S x S -> ignore pixels become background -> class grid -> runs (flattened in ``order``,
split at ``max_length``, sorted by start) -> per-run tokens -> ``[task] runs [EOS] PAD...``
truncated at a run boundary to ``max_seq_len``.

Per-run token fields (``tok.run_fields``):

    ========  ===================  =============================
    scheme    starts='flat'        starts='2d'
    ========  ===================  =============================
    bin       start, length        row, col, length
    mc        start, length, class row, col, length, class
    lac       start, lac           row, col, lac
    ========  ===================  =============================

(3d video schemes put ``frame`` before ``row``.) Decoding never raises: see
:meth:`RLETokenizer.decode_batch`.
"""
from __future__ import annotations

from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from .masks import (SUBSAMPLE_MODES, UPSAMPLE_MODES, check_labels, clean_labels,
                    label_scores, remap_labels, resize_labels, subsample, upsample)
from .runs import (Runs, check_order, extract_runs, flatten, ordered_shape, paint_runs,
                   split_runs, unflatten)
from .sequence import (DecodeReport, EncodedBatch, EncodedSequence, Framed, find_windows,
                       frame_batch, frame_sequences, id_rows, make_reports, make_sequence)
from .vocab import TASKS, VocabLayout

CODINGS = ('bin', 'mc', 'lac')
VALUE_FIELDS: Dict[str, Tuple[str, ...]] = {'bin': ('length',), 'mc': ('length', 'class'),
                                            'lac': ('lac',)}
STARTS = ('flat', '2d')


def _pair(size: Union[int, Sequence[int]]) -> Tuple[int, int]:
    if isinstance(size, (int, np.integer)):
        return int(size), int(size)
    size = tuple(int(s) for s in size)
    if len(size) != 2:
        raise ValueError(f'mask_size must be an int or (H, W), got {size}')
    return size


class RLETokenizer:
    """Run-length tokenizer for semantic masks (schemes ``bin``, ``mc``, ``lac``).

    Args:
        scheme: 'bin' (binary mask, 2 classes), 'mc' (multi-class), 'lac' (length as class).
        mask_size: S or (H, W): size of the tokenised mask (after subsampling).
        num_classes: C, number of classes including background 0.
        max_length: run length cap; default one line of the flattening (W for
            order='row', H for order='col').
        starts: 'flat' (one start token) or '2d' (row and column tokens).
        order: 'row' (row-major) or 'col' (column-major) flattening.
        window: N frames (1 for image schemes).
        max_seq_len: L, total sequence length (task + runs + EOS + padding).
        pad_weight: loss weight of PAD tokens.
        eos_weight: loss weight of EOS (default: ``pad_weight``, as the paper's PAD-as-EOS).
        ignore_index: label that never becomes a run (decodes as background).
        label_map: optional {old: new} label remapping applied before anything else.
        subsample: optional dict(factor=k, mode='nearest'|'any'|'majority'): inputs are
            (S*k) per side (see :func:`rleseg.tokenizers.masks.subsample`).
        upsample: how a decoded S x S mask returns to (S*k) per side: 'nearest' (block
            repeat, the paper's) or 'bilinear' (one-hot class maps interpolated, then
            argmax; see :func:`rleseg.tokenizers.masks.upsample`).
        task: task token name (default per scheme family: 'semantic', 'video', 'panoptic').
        vocab_size: total ids; default the minimum the layout needs. Validated.
    """

    SCHEMES: Tuple[str, ...] = CODINGS
    UPSAMPLE_MODES: Tuple[str, ...] = UPSAMPLE_MODES
    default_task = 'semantic'

    def __init__(self, scheme: str = 'mc', mask_size: Union[int, Sequence[int]] = 80,
                 num_classes: int = 2, max_length: Optional[int] = None,
                 starts: str = 'flat', order: str = 'row', window: int = 1,
                 max_seq_len: int = 512, pad_weight: float = 0.1,
                 eos_weight: Optional[float] = None, ignore_index: Optional[int] = 255,
                 label_map: Optional[Mapping[int, int]] = None,
                 subsample: Optional[Mapping] = None, upsample: str = 'nearest',
                 task: Optional[str] = None, vocab_size: Optional[int] = None) -> None:
        name = type(self).__name__
        if scheme not in self.SCHEMES:
            raise ValueError(f'{name}: unknown scheme {scheme!r}; expected one of '
                             f'{self.SCHEMES}')
        if starts not in STARTS:
            raise ValueError(f'{name}: starts must be one of {STARTS}, got {starts!r}')
        if int(num_classes) < 2:
            raise ValueError(f'{name}: num_classes counts background and must be >= 2, '
                             f'got {num_classes}')
        self.scheme = scheme
        self.mask_shape = _pair(mask_size)
        if min(self.mask_shape) < 1:
            raise ValueError(f'{name}: mask_size must be positive, got {mask_size}')
        self.num_classes = int(num_classes)
        self.starts = starts
        self.order = check_order(order)
        self.window = int(window)
        self.max_seq_len = int(max_seq_len)
        self.pad_weight = float(pad_weight)
        self.eos_weight = None if eos_weight is None else float(eos_weight)
        self.ignore_index = None if ignore_index is None else int(ignore_index)
        if self.ignore_index is not None and 1 <= self.ignore_index < self.num_classes:
            raise ValueError(f'{name}: ignore_index {ignore_index} is a class id (classes '
                             f'0..{self.num_classes - 1}); use a value outside them, e.g. 255')
        self.label_map = {int(k): int(v) for k, v in (label_map or {}).items()}
        sub = dict(factor=1, mode='nearest')
        sub.update(subsample or {})
        if sub['mode'] not in SUBSAMPLE_MODES or int(sub['factor']) < 1:
            raise ValueError(f'{name}: subsample must be dict(factor>=1, mode in '
                             f'{SUBSAMPLE_MODES}), got {subsample}')
        self.subsample_cfg = dict(factor=int(sub['factor']), mode=sub['mode'])
        if upsample not in self.UPSAMPLE_MODES:
            raise ValueError(f'{name}: upsample must be one of {self.UPSAMPLE_MODES}, got '
                             f'{upsample!r}')
        self.upsample_mode = upsample
        self.task = task or self.default_task
        if self.task not in TASKS:
            raise ValueError(f'{name}: task must be one of {TASKS}, got {self.task!r}')
        self._vocab_size = vocab_size
        self._setup()
        self.max_length = int(max_length) if max_length is not None else \
            ordered_shape(self.grid_shape, self.order)[-1]
        if self.max_length < 1:
            raise ValueError(f'{name}: max_length must be >= 1, got {max_length}')
        if self.coding == 'bin' and self.num_run_classes != 2:
            raise ValueError(f'{name}: scheme {scheme!r} is binary and needs num_classes=2, '
                             f'got {self.num_classes}')
        self.run_fields: Tuple[str, ...] = self.start_fields + self._value_fields()
        try:
            self.layout = VocabLayout.build(self.field_sizes(), vocab_size,
                                            meta=self.config())
        except ValueError as err:
            raise ValueError(f'{name}({scheme}): {err}{self._vocab_note()}') from None
        if self.max_seq_len < 2 + len(self.run_fields):
            raise ValueError(f'{name}: max_seq_len {self.max_seq_len} cannot hold task + one '
                             f'run ({len(self.run_fields)} tokens) + EOS')
        self._cache_constants()

    def _cache_constants(self) -> None:
        """Per-call constants, computed once: the token-kind table and pattern of the
        regular-sequence decoder (see :meth:`_parse_regular`)."""
        k, lay = self.tokens_per_run, self.layout
        # token kind: field j of a run -> j, EOS -> k, PAD -> k+1, task -> k+2, other -> -1;
        # entry i is the kind of id i - 1 (take(ids + 1, mode='clip'): entry 0 is any id
        # < 0, entry V + 1 any id >= V)
        lut = np.full(lay.vocab_size + 2, -1, np.int8)
        kinds = lut[1:]            # view: kinds[id] for 0 <= id < V, kinds[V] for id >= V
        for j, f in enumerate(self.run_fields):
            lo, hi = lay.ranges[f]
            kinds[lo:hi] = j
        kinds[list(lay.task_ids.values())] = k + 2
        kinds[lay.eos_id], kinds[lay.pad_id] = k, k + 1
        self._kind_lut = lut
        self._kind_pattern = np.resize(np.arange(k, dtype=np.int8), self.max_seq_len)

    def _run_pattern(self, length: int) -> np.ndarray:
        """(length,) int8 kinds of a body of whole runs: 0, 1, ..., k-1, 0, 1, ..."""
        if len(self._kind_pattern) < length:
            self._kind_pattern = np.resize(self._kind_pattern[:self.tokens_per_run], length)
        return self._kind_pattern[:length]

    # ------------------------------------------------------------------ scheme hooks
    def _setup(self) -> None:
        """Set ``grid_shape``, ``num_run_classes`` and ``coding`` (image schemes)."""
        if self.window != 1:
            raise ValueError(f'{type(self).__name__}: image scheme {self.scheme!r} takes '
                             f'window=1, got {self.window}; use a video scheme')
        self.grid_shape: Tuple[int, ...] = self.mask_shape
        self.num_run_classes = self.num_classes
        self.coding = self.scheme

    @property
    def input_ndim(self) -> int:
        """Dimensions of an input mask: 2 for images, 3 for windows."""
        return 2

    @property
    def grid_is_mask(self) -> bool:
        """True when :meth:`to_grid` is the identity (the class grid is the mask)."""
        return True

    def to_grid(self, mask: np.ndarray) -> np.ndarray:
        """Prepared masks (..., *input dims) with labels in [0, C) -> class grids
        (..., *grid_shape) that are run-length coded (leading axes are a batch)."""
        return mask

    def from_grid(self, grid: np.ndarray) -> np.ndarray:
        """Inverse of :meth:`to_grid` (leading axes are a batch)."""
        return grid.astype(self.mask_dtype, copy=False)

    def _value_fields(self) -> Tuple[str, ...]:
        return VALUE_FIELDS[self.coding]

    def _vocab_note(self) -> str:
        """Extra context appended to a vocabulary-layout error."""
        return ''

    # ------------------------------------------------------------------ derived sizes
    @property
    def start_fields(self) -> Tuple[str, ...]:
        """Token fields of a run start: ('start',) or ('row', 'col') / ('frame', 'row', 'col')."""
        if self.starts == 'flat':
            return ('start',)
        return ('frame', 'row', 'col') if len(self.grid_shape) == 3 else ('row', 'col')

    @property
    def tokens_per_run(self) -> int:
        return len(self.run_fields)

    @property
    def num_pixels(self) -> int:
        """Size of the flattened grid (the start range): S*S, or N*S*S for 3d."""
        return int(np.prod(self.grid_shape))

    @property
    def mask_dtype(self):
        return np.uint8 if self.num_classes <= 256 else np.int64

    @property
    def grid_dtype(self):
        return np.uint8 if self.num_run_classes <= 256 else np.int64

    @property
    def factor(self) -> int:
        return self.subsample_cfg['factor']

    @property
    def input_shape(self) -> Tuple[int, ...]:
        """Shape an input mask must have (before subsampling)."""
        h, w = self.mask_shape
        spatial = (h * self.factor, w * self.factor)
        return spatial if self.input_ndim == 2 else (self.window,) + spatial

    def field_sizes(self) -> Dict[str, int]:
        """Number of ids of every field this scheme uses."""
        sizes = {'start': self.num_pixels, 'frame': self.window,
                 'row': self.grid_shape[-2], 'col': self.grid_shape[-1],
                 'length': self.max_length, 'class': self.num_run_classes - 1,
                 'lac': self.max_length * (self.num_run_classes - 1)}
        return {f: sizes[f] for f in self.run_fields + self._extra_fields()}

    def _extra_fields(self) -> Tuple[str, ...]:
        """Fields outside the per-run grammar (panoptic group tokens)."""
        return ()

    def config(self) -> dict:
        """Plain dict that :func:`rleseg.tokenizers.build_tokenizer` rebuilds this from."""
        return dict(scheme=self.scheme, mask_size=list(self.mask_shape),
                    num_classes=self.num_classes,
                    max_length=getattr(self, 'max_length', None), starts=self.starts,
                    order=self.order, window=self.window, max_seq_len=self.max_seq_len,
                    pad_weight=self.pad_weight, eos_weight=self.eos_weight,
                    ignore_index=self.ignore_index,
                    label_map={str(k): v for k, v in self.label_map.items()},
                    subsample=dict(self.subsample_cfg), upsample=self.upsample_mode,
                    task=self.task, vocab_size=self._vocab_size)

    # ------------------------------------------------------------------ masks
    def subsample(self, mask: np.ndarray) -> np.ndarray:
        """(..., S*k, S*k) -> (..., S, S) by the configured factor and rule."""
        return subsample(np.asarray(mask), self.factor, self.subsample_cfg['mode'],
                         self.ignore_index)

    def upsample(self, mask: np.ndarray, size: Optional[Tuple[int, int]] = None
                 ) -> np.ndarray:
        """(..., S, S) decoded labels -> (..., *size) by the configured rule (``upsample``);
        ``size`` defaults to (S*k, S*k)."""
        mask = np.asarray(mask)
        if size is None:
            return upsample(mask, self.factor, self.upsample_mode, self.num_run_classes)
        return resize_labels(mask, size, self.upsample_mode, self.num_run_classes)

    def upsample_scores(self, mask: np.ndarray, size: Tuple[int, int]) -> np.ndarray:
        """(..., S, S) decoded labels -> (..., C, *size) float32 class scores by the
        configured rule (:func:`~rleseg.tokenizers.masks.label_scores`): their argmax is
        :meth:`upsample`'s labels; resized further before the argmax, they keep the
        rule's sub-cell boundaries (the segmentor's resize to the original image)."""
        return label_scores(np.asarray(mask), size, self.num_run_classes, self.upsample_mode)

    def prepare(self, mask: np.ndarray, batched: bool = False) -> np.ndarray:
        """Input mask -> remapped, subsampled, cleaned labels in [0, C) (ignore -> 0).

        ``batched=True``: ``mask`` has a leading batch axis (B, *input_shape).
        """
        mask = np.asarray(mask)
        shape = mask.shape[1:] if batched else mask.shape
        if shape != self.input_shape or (batched and mask.ndim == 0):
            raise ValueError(f'{type(self).__name__}({self.scheme}): mask shape {shape} '
                             f'!= expected {self.input_shape} (mask_size '
                             f'{self.mask_shape} x subsample factor {self.factor})')
        mask = remap_labels(check_labels(mask, self.ignore_index), self.label_map)
        return clean_labels(self.subsample(mask), self.num_classes, self.ignore_index)

    # ------------------------------------------------------------------ runs <-> ids
    def runs(self, mask: np.ndarray) -> Runs:
        """All runs of a mask (untruncated), sorted by start, split at max_length."""
        return self.batch_runs(np.asarray(mask)[None])[0]

    def batch_runs(self, masks: np.ndarray) -> Tuple[Runs, np.ndarray]:
        """Runs of B masks at once: (runs with per-mask starts, mask index (R,)).

        The B grids are flattened into one vector and cut every ``num_pixels`` pixels, so
        the cost is one pass over all pixels whatever B is.
        """
        masks = np.asarray(masks)
        n = self.num_pixels
        runs = self._direct_runs(masks)
        if runs is None:
            grids = self.to_grid(self.prepare(masks, batched=True))
            runs = extract_runs(flatten(grids, self.order), segment=n)
        runs = split_runs(runs, self.max_length)
        if len(masks) == 1:
            return runs, np.zeros(len(runs), np.int64)
        rows = runs.starts // n
        return Runs(runs.starts - rows * n, runs.lengths, runs.values), rows

    def _direct_runs(self, masks: np.ndarray) -> Optional[Runs]:
        """Fast path of :meth:`batch_runs` (unsplit runs), or None where it does not apply.

        Applies to (B, *input_shape) integer masks when the class grid is the mask itself
        (no label map, no subsampling, ``grid_is_mask``). Runs are taken from the raw
        labels, skipping background and ``ignore_index`` runs: the foreground runs are the
        same as after :meth:`prepare` turned ignore pixels into background, and the run
        values cover every label present, so they are range-checked instead of the pixels.
        Returns None on a bad label too (the general path raises the error).
        """
        if (self.label_map or self.factor != 1 or not self.grid_is_mask
                or masks.dtype.kind not in 'uib' or masks.ndim != self.input_ndim + 1
                or masks.shape[1:] != self.input_shape):
            return None
        runs = extract_runs(flatten(masks, self.order), ignore_index=self.ignore_index,
                            segment=self.num_pixels)
        if len(runs) and (runs.values.max() >= self.num_classes
                          or (masks.dtype.kind == 'i' and runs.values.min() < 0)):
            return None
        return runs

    def start_ids(self, starts: np.ndarray) -> np.ndarray:
        """Flat start indices (R,) -> start field ids (R, len(start_fields))."""
        starts = np.asarray(starts, np.int64)
        if self.starts == 'flat':
            return self.layout.to_id('start', starts)[:, None]
        coords = np.unravel_index(starts, ordered_shape(self.grid_shape, self.order))
        a, b = coords[-2], coords[-1]
        row, col = (a, b) if self.order == 'row' else (b, a)
        values = (coords[0], row, col) if len(self.grid_shape) == 3 else (row, col)
        return np.stack([self.layout.to_id(n, np.asarray(v, np.int64))
                         for n, v in zip(self.start_fields, values)], axis=-1)

    def start_index(self, *field_ids):
        """Start field ids -> flat start index (elementwise; numpy or torch).

        flat: ``id - lo_start``. 2d, row order: ``(frame*H + row)*W + col``; col order:
        ``(frame*W + col)*H + row`` with ``row = id - lo_row`` etc. (frame = 0 for images).
        """
        if len(field_ids) != len(self.start_fields):
            raise ValueError(f'start_index: expected ids for {self.start_fields}, got '
                             f'{len(field_ids)} arrays')
        vals = [self.layout.to_value(n, i) for n, i in zip(self.start_fields, field_ids)]
        if self.starts == 'flat':
            return vals[0]
        h, w = self.grid_shape[-2:]
        frame, row, col = vals if len(vals) == 3 else (0, *vals)
        if self.order == 'row':
            return (frame * h + row) * w + col
        return (frame * w + col) * h + row

    def run_ids(self, runs: Runs, out: Optional[np.ndarray] = None) -> np.ndarray:
        """Runs -> (R, tokens_per_run) int64 token ids in ``run_fields`` order.

        ``out``: optional (R, tokens_per_run) int64 array (e.g. a view into a token row)
        that is filled and returned.
        """
        if out is None:
            out = np.empty((len(runs), self.tokens_per_run), np.int64)
        ns = len(self.start_fields)
        if ns == 1:
            out[:, 0] = self.layout.to_id('start', runs.starts)
        else:
            out[:, :ns] = self.start_ids(runs.starts)
        to_id = self.layout.to_id
        for j, f in enumerate(self._value_fields(), ns):
            if f == 'length':
                out[:, j] = to_id('length', runs.lengths)
            elif f == 'class':
                out[:, j] = to_id('class', runs.values)
            else:
                out[:, j] = to_id('lac', self.max_length * (runs.values - 1) + runs.lengths)
        return out

    def run_values(self, run_ids) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(..., tokens_per_run) ids in ``run_fields`` order -> (start, length, class).

        Values are not range-checked here (ids are assumed to be in their fields' ranges).
        For 'bin' the class is 1.
        """
        run_ids = np.asarray(run_ids, np.int64)
        ns = len(self.start_fields)
        start = self.start_index(*[run_ids[..., j] for j in range(ns)])
        rest = dict(zip(self._value_fields(), [run_ids[..., j]
                                                for j in range(ns, run_ids.shape[-1])]))
        val = self.layout.to_value
        if 'lac' in rest:
            lac = val('lac', rest['lac']) - 1
            return start, lac % self.max_length + 1, lac // self.max_length + 1
        length = val('length', rest['length'])
        cls = val('class', rest['class']) if 'class' in rest else np.ones_like(length)
        return start, length, cls

    def field_values(self, name: str) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every id of the value field ``name`` ('length', 'lac' or 'class') with the
        run length and class it carries: (ids, length, class), each (n,) int64 (the
        other fields at their first id, e.g. lengths of 'class' ids are 1)."""
        fields = tuple(self.run_fields)
        lo = {f: self.layout.ranges[f][0] for f in fields}
        ids = np.arange(*self.layout.ranges[name], dtype=np.int64)
        run = np.tile(np.array([lo[f] for f in fields], np.int64), (len(ids), 1))
        run[:, fields.index(name)] = ids
        _, length, cls = self.run_values(run)
        return ids, np.asarray(length, np.int64), np.asarray(cls, np.int64)

    # ------------------------------------------------------------------ encode
    def count_tokens(self, mask: np.ndarray) -> int:
        """Tokens the mask needs without truncation (task + runs + EOS)."""
        return self._count_tokens(self.runs(mask))

    def _count_tokens(self, runs: Runs) -> int:
        return 2 + self.tokens_per_run * len(runs)

    def encode(self, mask: np.ndarray) -> EncodedSequence:
        """Mask (``input_shape``) -> :class:`EncodedSequence` of length ``max_seq_len``.

        Keeps the first ``(max_seq_len - 2) // tokens_per_run`` runs, as
        :meth:`encode_batch`.
        """
        runs, _ = self.batch_runs(np.asarray(mask)[None])
        total = len(runs)
        kept = min(total, (self.max_seq_len - 2) // self.tokens_per_run)
        if kept < total:
            runs = runs.take(slice(0, kept))
        tokens, weights, n = make_sequence(self.run_ids(runs).reshape(-1), self.layout,
                                           self.task, self.max_seq_len, self.pad_weight,
                                           self.eos_weight)
        return EncodedSequence(tokens, weights, n, kept, total - kept)

    def encode_batch(self, masks: np.ndarray) -> EncodedBatch:
        """(B, *input_shape) masks -> :class:`EncodedBatch`, vectorised over the batch.

        Each sequence keeps its first ``(max_seq_len - 2) // tokens_per_run`` runs
        (truncation at a run boundary, counted in ``num_truncated_runs``).
        """
        masks = np.asarray(masks)
        runs, rows = self.batch_runs(masks)
        b, k = masks.shape[0], self.tokens_per_run
        counts = np.bincount(rows, minlength=b)
        kept = np.minimum(counts, (self.max_seq_len - 2) // k)
        rank = np.arange(len(runs)) - (np.cumsum(counts) - counts)[rows]
        if np.any(kept < counts):
            keep = rank < kept[rows]
            runs, rows, rank = runs.take(keep), rows[keep], rank[keep]
        pos = k * rank[:, None] + np.arange(k)
        tokens, weights, n = frame_sequences(
            np.repeat(rows, k), pos.reshape(-1), self.run_ids(runs).reshape(-1), k * kept,
            self.layout, self.task, self.max_seq_len, self.pad_weight, self.eos_weight)
        return EncodedBatch(tokens, weights, n, kept, counts - kept, np.zeros(b, np.int64))

    # ------------------------------------------------------------------ decode
    def decode(self, ids) -> Tuple[np.ndarray, DecodeReport]:
        """1-D ids (task token optional; stops at EOS/PAD) -> (mask, report). Never raises
        on malformed content (only on an input that is not a 1-D integer sequence)."""
        ids = np.asarray(ids)
        if ids.ndim != 1:
            raise ValueError(f'decode: expected 1-D ids, got shape {ids.shape}; use '
                             'decode_batch for 2-D')
        return self.decode_batch(ids[None])[0]

    def decode_batch(self, ids) -> List[Tuple[np.ndarray, DecodeReport]]:
        """(B, L) ids -> list of B (mask, report), vectorised over the whole batch.

        Per row: a leading task token is skipped; the body ends at the first EOS or PAD
        (tokens after it are ignored and counted in ``num_after_eos``). Every id is
        classified by range; complete runs are the windows whose ids belong to
        ``run_fields`` in order; other tokens are dropped (counted). Runs with out-of-range
        values are dropped, runs past the mask end are clipped, and the rest are painted
        in sequence order onto background (later runs overwrite earlier ones).
        """
        ids = id_rows(ids)
        parsed = self._parse_regular(ids)
        if parsed is None:
            fr = frame_batch(ids, self.layout)
            parsed = self._parse(fr) + (fr.counts,)
        starts, lengths, values, rows, counts = parsed
        masks = self.from_grid(self._paint(len(ids), starts, lengths, values, rows))
        return list(zip(masks, make_reports(counts, len(ids))))

    def _parse_regular(self, ids: np.ndarray):
        """Fast parse of a batch whose rows are all *regular*: ``[task] runs (EOS|PAD) ...``
        with the task token in every row or in none, every body id in its ``run_fields``
        range in order, and every run valid (what :meth:`encode` and a grammar-constrained
        model produce). Then the general parse finds exactly these runs and drops nothing.

        Args:
            ids: (B, L) int64.
        Returns:
            (start, length, value, row) arrays (R,) and the per-row report counts, as
            :meth:`_parse` with its ``Framed.counts``; None when any row is not regular.
        """
        b, width = ids.shape
        if b == 0 or width == 0:
            return None
        k = self.tokens_per_run
        kinds = self._kind_lut.take(ids + 1, mode='clip')                # (B, L) int8
        task = kinds[:, 0] == k + 2
        s = int(task[0])                                                # body start column
        if width <= s or (b > 1 and task.any() != task.all()):
            return None
        body = kinds[:, s:]
        end = (body != self._run_pattern(width - s)).argmax(axis=1)    # first mismatch
        rows = np.arange(b)
        term = body[rows, end]
        if not (((term == k) | (term == k + 1)).all() and (end % k == 0).all()):
            return None                 # a row without terminator, or with a broken run
        if b == 1:
            run_ids = ids[0, s:s + int(end[0])].reshape(-1, k)
            run_rows = np.zeros(len(run_ids), np.int64)
        else:
            run_ids = ids[:, s:][np.arange(width - s) < end[:, None]].reshape(-1, k)
            run_rows = np.repeat(rows, end // k)
        start, length, cls = self.run_values(run_ids)
        valid, clipped, length = self._validate_runs(start, length, cls)
        if not valid.all():
            return None
        e = end + s                                                     # terminator column
        counts = dict(num_tokens=e + 1, num_runs=end // k,
                      num_clipped_runs=np.bincount(run_rows[clipped], minlength=b),
                      num_after_eos=(kinds != k + 1).sum(axis=1) - e
                      - (term == k))
        return start, length, cls, run_rows, counts

    def _parse(self, fr: Framed):
        """Fixed-grammar parse: returns kept (start, length, value, row) arrays and fills
        the per-row counts of ``fr``."""
        k = self.tokens_per_run
        kinds = self.layout.classify(fr.flat, self.run_fields)
        pos = find_windows(kinds, k)
        rows = fr.rows(pos)
        ids = fr.flat[pos[:, None] + np.arange(k)]
        start, length, cls = self.run_values(ids)
        valid, clipped, length = self._validate_runs(start, length, cls)
        fr.tally(rows, num_runs=valid, num_dropped_runs=~valid, num_clipped_runs=clipped)
        fr.counts['num_dropped_tokens'] = fr.body_len - k * np.bincount(rows,
                                                                        minlength=fr.batch)
        return start[valid], length[valid], cls[valid], rows[valid]

    def _validate_runs(self, start, length, cls):
        """Range checks of decoded runs.

        Returns:
            (valid bool (R,), clipped bool (R,), length clipped to the mask end (R,)).
        """
        n = self.num_pixels
        valid = ((start >= 0) & (start < n) & (length >= 1) & (length <= self.max_length)
                 & (cls >= 1) & (cls < self.num_run_classes))
        clipped = valid & (start + length > n)
        return valid, clipped, np.where(clipped, n - start, length)

    def _paint(self, batch: int, starts, lengths, values, rows, dtype=None) -> np.ndarray:
        """Paint row-local runs of a batch; returns (B, *grid_shape) grids."""
        n = self.num_pixels
        flat = paint_runs(batch * n, rows * n + starts, lengths, values, 0,
                          dtype or self.grid_dtype)
        return unflatten(flat, (batch,) + tuple(self.grid_shape), self.order)

    # ------------------------------------------------------------------ misc
    def __repr__(self) -> str:
        return (f'{type(self).__name__}(scheme={self.scheme!r}, mask_size={self.mask_shape}, '
                f'num_classes={self.num_classes}, window={self.window}, '
                f'starts={self.starts!r}, order={self.order!r}, max_length={self.max_length}, '
                f'max_seq_len={self.max_seq_len}, vocab_size={self.layout.vocab_size})')
