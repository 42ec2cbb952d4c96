"""Vocabulary layout: disjoint token-id ranges, computed, validated and serialisable.

Id space (``vocab_size`` ids ``0 .. vocab_size-1``)::

    0  PAD            special tokens, fixed ids (SPECIAL_TOKENS order)
    1  EOS
    2  task 'semantic'
    3  task 'video'
    4  task 'static_video'
    5  task 'panoptic'
    6.. field ranges in FIELD_ORDER: class, length, lac, start, frame, row, col
        (only the fields a scheme uses), each a half-open range [lo, hi)
    ..  unused ids up to vocab_size (never produced; decoded as unknown)

Value <-> id arithmetic (the ONE place it is defined; mirror it in torch from ``ranges``)::

    value = id - lo + base        id = value - base + lo        (lo = ranges[name][0])

    name     base  value meaning                         size of the range
    start    0     flat start index in flattening order  prod(grid shape)  (e.g. S*S)
    frame    0     frame index t (2d starts, 3d scheme)  N
    row      0     row y (2d starts)                     H
    col      0     column x (2d starts)                  W
    length   1     run length 1..max_length               max_length
    class    1     foreground class 1..C-1                C-1  (C^N-1 for tac)
    lac      1     length-as-class 1..max_length*(C-1)    max_length*(C-1)
                   length = (lac-1) % max_length + 1,  class = (lac-1) // max_length + 1

Flat start from 2d fields (``RLETokenizer.start_index`` implements it)::

    row order: start = (frame*H + row)*W + col      col order: start = (frame*W + col)*H + row
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Mapping, Optional, Sequence, Tuple

import numpy as np

SPECIAL_TOKENS: Tuple[str, ...] = ('pad', 'eos', 'semantic', 'video', 'static_video',
                                   'panoptic')
TASKS: Tuple[str, ...] = SPECIAL_TOKENS[2:]
FIELD_ORDER: Tuple[str, ...] = ('class', 'length', 'lac', 'start', 'frame', 'row', 'col')
FIELD_BASE: Dict[str, int] = {'class': 1, 'length': 1, 'lac': 1, 'start': 0, 'frame': 0,
                              'row': 0, 'col': 0}


@dataclass
class VocabLayout:
    """Token-id layout of one tokenizer configuration.

    Attributes:
        vocab_size: number of ids the model's embedding / output layer has.
        special: name -> id for 'pad', 'eos' and the task tokens.
        ranges: field name -> (lo, hi) half-open id range.
        meta: plain-dict description of the configuration the layout was computed from
            (scheme, mask size, ...); informational, stored with checkpoints.
    """

    vocab_size: int
    special: Dict[str, int]
    ranges: Dict[str, Tuple[int, int]]
    meta: Dict[str, object] = field(default_factory=dict)
    _luts: Dict[tuple, np.ndarray] = field(default_factory=dict, init=False, repr=False,
                                           compare=False)

    # ------------------------------------------------------------------ construction
    @classmethod
    def build(cls, field_sizes: Mapping[str, int], vocab_size: Optional[int] = None,
              meta: Optional[Mapping[str, object]] = None) -> 'VocabLayout':
        """Place the given fields (name -> number of ids) after the special tokens.

        Fields are placed in FIELD_ORDER. ``vocab_size=None`` uses the smallest size that
        holds everything. The result is validated (ValueError on any problem).
        """
        unknown = [n for n in field_sizes if n not in FIELD_ORDER]
        if unknown:
            raise ValueError(f'VocabLayout.build: unknown field(s) {unknown}; '
                             f'known: {FIELD_ORDER}')
        special = {name: i for i, name in enumerate(SPECIAL_TOKENS)}
        ranges: Dict[str, Tuple[int, int]] = {}
        lo = len(SPECIAL_TOKENS)
        for name in FIELD_ORDER:
            if name in field_sizes:
                size = int(field_sizes[name])
                ranges[name] = (lo, lo + size)
                lo += size
        layout = cls(vocab_size=lo if vocab_size is None else int(vocab_size),
                     special=special, ranges=ranges, meta=dict(meta or {}))
        layout.validate()
        return layout

    def validate(self) -> 'VocabLayout':
        """Check ids: non-empty, disjoint ranges inside [0, vocab_size); raise ValueError."""
        where = f"VocabLayout({self.meta.get('scheme', '?')})"
        for name in ('pad', 'eos'):
            if name not in self.special:
                raise ValueError(f'{where}: special token {name!r} is missing')
        spans = [(name, i, i + 1) for name, i in self.special.items()]
        for name, (lo, hi) in self.ranges.items():
            if name not in FIELD_BASE:
                raise ValueError(f'{where}: unknown field {name!r} in ranges')
            if not 0 <= lo < hi:
                raise ValueError(f'{where}: range {name!r} = [{lo}, {hi}) is empty or '
                                 'negative (check mask size, classes, max_length)')
            spans.append((name, lo, hi))
        spans.sort(key=lambda s: s[1])
        for (n1, lo1, hi1), (n2, lo2, hi2) in zip(spans, spans[1:]):
            if lo2 < hi1:
                raise ValueError(f'{where}: id range {n2!r} [{lo2}, {hi2}) overlaps '
                                 f'{n1!r} [{lo1}, {hi1})')
        need = max(hi for _, _, hi in spans)
        if need > self.vocab_size:
            worst = max(spans, key=lambda s: s[2] - s[1])
            raise ValueError(
                f'{where}: needs {need} token ids but vocab_size is {self.vocab_size} '
                f'(largest range {worst[0]!r} has {worst[2] - worst[1]} ids); raise '
                'vocab_size or shrink mask size / classes / window / max_length')
        return self

    # ------------------------------------------------------------------ ids
    @property
    def pad_id(self) -> int:
        return self.special['pad']

    @property
    def eos_id(self) -> int:
        return self.special['eos']

    @property
    def task_ids(self) -> Dict[str, int]:
        """Task name -> task token id."""
        return {k: v for k, v in self.special.items() if k not in ('pad', 'eos')}

    @property
    def num_used(self) -> int:
        """Number of ids actually assigned (specials + ranges)."""
        return max([hi for _, hi in self.ranges.values()] + [len(self.special)])

    def offset(self, name: str) -> int:
        """First id of field ``name`` (``lo``): value = id - offset(name) + FIELD_BASE[name]."""
        return self.ranges[name][0]

    def size(self, name: str) -> int:
        """Number of ids of field ``name``."""
        lo, hi = self.ranges[name]
        return hi - lo

    def to_value(self, name: str, ids):
        """Field ids -> values, elementwise (numpy or torch arrays, or ints)."""
        return ids - self.ranges[name][0] + FIELD_BASE[name]

    def to_id(self, name: str, values):
        """Field values -> ids, elementwise (inverse of :meth:`to_value`)."""
        return values - FIELD_BASE[name] + self.ranges[name][0]

    def contains(self, name: str, ids) -> np.ndarray:
        """Boolean mask of ids that belong to field ``name``."""
        lo, hi = self.ranges[name]
        ids = np.asarray(ids)
        return (ids >= lo) & (ids < hi)

    def classify(self, ids, names: Sequence[str]) -> np.ndarray:
        """Index into ``names`` of the field each id belongs to, -1 for any other id.

        Args:
            ids: integer array of any shape.
            names: field names (keys of ``ranges``).
        Returns:
            int64 array of ``ids.shape``.
        """
        ids = np.asarray(ids, np.int64)
        key = tuple(names)
        lut = self._luts.get(key)
        if lut is None:  # ids 0..V-1, then V (any id >= V); index -1 (any id < 0) -> -1
            lut = np.full(self.vocab_size + 2, -1, np.int8)
            for j, name in enumerate(names):
                lo, hi = self.ranges[name]
                lut[lo:hi] = j
            self._luts[key] = lut
        return lut[np.clip(ids, -1, self.vocab_size)].astype(np.int64)

    # ------------------------------------------------------------------ serialisation
    def to_dict(self) -> dict:
        """Plain dict (ints, strings, lists) that :meth:`from_dict` reads back."""
        return dict(vocab_size=int(self.vocab_size),
                    special={k: int(v) for k, v in self.special.items()},
                    ranges={k: [int(lo), int(hi)] for k, (lo, hi) in self.ranges.items()},
                    meta=dict(self.meta))

    @classmethod
    def from_dict(cls, d: Mapping) -> 'VocabLayout':
        """Rebuild (and validate) a layout saved by :meth:`to_dict`."""
        try:
            layout = cls(vocab_size=int(d['vocab_size']),
                         special={k: int(v) for k, v in d['special'].items()},
                         ranges={k: (int(v[0]), int(v[1])) for k, v in d['ranges'].items()},
                         meta=dict(d.get('meta', {})))
        except (KeyError, TypeError, IndexError) as err:
            raise ValueError(f'VocabLayout.from_dict: malformed layout dict ({err!r})') \
                from err
        return layout.validate()

    def __eq__(self, other) -> bool:
        if not isinstance(other, VocabLayout):
            return NotImplemented
        return (self.vocab_size == other.vocab_size and self.special == other.special
                and {k: tuple(v) for k, v in self.ranges.items()}
                == {k: tuple(v) for k, v in other.ranges.items()})
