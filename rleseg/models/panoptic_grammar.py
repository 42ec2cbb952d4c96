"""Grammar constraints for panoptic (instance-wise / class-wise) token sequences.

The panoptic schemes of :mod:`rleseg.tokenizers.panoptic` write groups::

    [task] (run run ... class) (run ... class) ... [EOS]

Within a group the runs are binary runs (start fields + length) sorted by start and
disjoint, exactly the grammar of :class:`~rleseg.models.decoding.RunGrammar`; a group
is closed by one class token, after which the next group starts anywhere again.
:class:`GroupGrammar` extends the run grammar by that rule:

* a class token is legal only at a run boundary after at least one run of the group;
* it resets the start constraint (the next group's first run may start at 0);
* EOS is legal only at a group boundary (so no run is left unclosed: the tokenizer's
  decoder would drop it);
* a run is started only if it, the closing class token and EOS fit before L, so a
  group in progress can always be closed;
* with a cap of K groups (the tokenizer's ``max_instances``), no run may open group
  K + 1: after the K-th class token EOS is the only choice;
* with ``disjoint=True`` (flat starts only) no run may cover a cell that a run of an
  earlier group covers: instances do not overlap, so a group cannot repeat (or cut into)
  an instance already written.

The class token is therefore the end-of-instance token: the grammar makes every
generated group end with exactly one.
"""
from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np
import torch
from torch import Tensor

from .decoding import COORD, LENGTH, GrammarField, GrammarState, Position, RunGrammar


@dataclass
class GroupState(GrammarState):
    """:class:`GrammarState` plus ``in_group`` (B,) bool: a run was emitted since the
    last class token, ``groups`` (B,) long: class tokens emitted so far, and
    ``occupied`` (B, P) bool: scan positions covered by the runs so far (``disjoint``
    grammars; None otherwise)."""

    in_group: Tensor = None
    groups: Tensor = None
    occupied: Optional[Tensor] = None

    def select(self, index: Tensor) -> 'GroupState':
        return GroupState(self.phase[index], self.partial[index], self.min_start[index],
                          self.done[index], self.in_group[index], self.groups[index],
                          None if self.occupied is None else self.occupied[index])


def runs_view(tok):
    """A shallow copy of a panoptic tokenizer whose layout lacks the group field, so
    :meth:`RunGrammar.from_tokenizer` builds the grammar of its runs alone."""
    layout = tok.layout
    view = copy.copy(tok)
    view.layout = dataclasses.replace(
        layout, ranges={k: v for k, v in layout.ranges.items() if k != tok.group_field})
    return view


class GroupGrammar(RunGrammar):
    """Run grammar of grouped sequences (see the module docstring).

    Args:
        fields, vocab_size, eos_id, pad_id, num_positions: as :class:`RunGrammar`
            (the fields of one run).
        close_ids: (K,) ids of the group-closing (class) tokens.
        max_groups: at most this many groups per sequence (None: no cap).
        disjoint: forbid runs over cells covered by earlier runs (needs one start
            field, the flat start, followed by the length).
    """

    closing_tokens = 1  # a group's class token follows its last run

    def __init__(self, fields: Sequence[GrammarField], vocab_size: int, eos_id: int,
                 pad_id: int, num_positions: int, close_ids: np.ndarray,
                 max_groups: Optional[int] = None, disjoint: bool = False) -> None:
        super().__init__(fields, vocab_size, eos_id, pad_id, num_positions)
        kinds = [f.kind for f in fields]
        if disjoint and kinds[:2] != [COORD, LENGTH]:
            raise ValueError("GroupGrammar: disjoint=True needs flat starts (starts='flat'),"
                             f' got run fields {[f.name for f in fields]}')
        self.disjoint = bool(disjoint)
        if max_groups is not None and int(max_groups) < 1:
            raise ValueError(f'GroupGrammar: max_groups must be None or >= 1, got '
                             f'{max_groups}')
        self.max_groups = None if max_groups is None else int(max_groups)
        close_ids = np.asarray(close_ids, np.int64)
        if (self._tables['field_of_id'][torch.from_numpy(close_ids)] >= 0).any():
            raise ValueError('GroupGrammar: class ids overlap the run fields')
        is_close = torch.zeros(vocab_size, dtype=torch.bool)
        is_close[torch.from_numpy(close_ids)] = True
        self._tables['is_close'] = is_close.to(self._device)

    @classmethod
    def from_tokenizer(cls, tok, disjoint: bool = False) -> 'GroupGrammar':
        """Grammar of a :class:`~rleseg.tokenizers.PanopticRLETokenizer` (its
        ``run_fields`` form a run, its ``group_field`` closes a group, its
        ``max_instances`` caps the groups); ``disjoint`` as the constructor's."""
        group = getattr(tok, 'group_field', None)
        if group is None or group not in tok.layout.ranges:
            raise ValueError(f'GroupGrammar: scheme {tok.scheme!r} has no group-closing '
                             'field; use RunGrammar')
        runs = RunGrammar.from_tokenizer(runs_view(tok))
        layout = tok.layout
        return cls(runs.fields, layout.vocab_size, layout.eos_id, layout.pad_id,
                   runs.num_positions, np.arange(*layout.ranges[group]),
                   getattr(tok, 'max_instances', None), disjoint)

    def init_state(self, batch_size: int, device: torch.device) -> GroupState:
        base = super().init_state(batch_size, device)
        return GroupState(base.phase, base.partial, base.min_start, base.done,
                          torch.zeros(batch_size, dtype=torch.bool, device=device),
                          torch.zeros(batch_size, dtype=torch.int64, device=device),
                          torch.zeros(batch_size, self.num_positions, dtype=torch.bool,
                                      device=device) if self.disjoint else None)

    def allowed(self, state: GroupState, position: Position, max_len: int) -> Tensor:
        """Which ids may be emitted at ``position`` (BoolTensor (B, V))."""
        # runs are planned with room for the closing class token (closing_tokens)
        ok = super().allowed(state, position, max_len)
        boundary = (state.phase == 0) & ~state.done
        ok |= (boundary & state.in_group)[:, None] & self._tables['is_close'][None, :]
        if self.max_groups is not None:
            full = boundary & ~state.in_group & (state.groups >= self.max_groups)
            ok.masked_fill_(full[:, None], False)
        ok[:, self.eos_id] = boundary & ~state.in_group
        if self.disjoint:
            self._forbid_covered(state, ok)
        return ok

    def _forbid_covered(self, state: GroupState, ok: Tensor) -> None:
        """Clear, in ``ok`` (B, V), the starts on covered cells and the lengths that
        would reach one (flat starts: field 0 start, field 1 length)."""
        t = self._tables
        start, length = self.fields[0], self.fields[1]
        start_ids = torch.as_tensor(start.ids, device=ok.device)
        at_start = (state.phase == 0)[:, None] & state.occupied[:, start.values]
        ok[:, start_ids] &= ~at_start
        # free cells from the run's start up to the next covered one
        positions = torch.arange(self.num_positions, device=ok.device)
        covered_at = torch.where(state.occupied, positions, self.num_positions)
        next_covered = covered_at.flip(-1).cummin(-1).values.flip(-1)
        begin = state.partial.clamp(max=self.num_positions - 1)
        free = next_covered.gather(1, begin[:, None])[:, 0] - state.partial
        length_ids = torch.as_tensor(length.ids, device=ok.device)
        too_long = t['value_of_id'][length_ids][None, :] > free[:, None]
        ok[:, length_ids] &= ~((state.phase == 1)[:, None] & too_long)

    def advance(self, state: GroupState, tokens: Tensor) -> None:
        """Update ``state`` in place after emitting ``tokens`` (B,)."""
        t = self._tables
        live = ~state.done
        field = t['field_of_id'][tokens]
        completes = live & (field >= 0) & (field == state.phase) & (
            state.phase == self.run_length - 1)
        closes = live & (state.phase == 0) & t['is_close'][tokens]
        super().advance(state, tokens)
        state.in_group |= completes
        state.in_group &= ~closes
        state.groups += closes.long()
        if self.disjoint:                 # cover the cells of the run just completed
            positions = torch.arange(self.num_positions, device=tokens.device)
            value = t['value_of_id'][tokens]
            run = (positions[None] >= (state.min_start - value)[:, None]) & \
                (positions[None] < state.min_start[:, None])
            state.occupied |= completes[:, None] & run
        state.min_start.masked_fill_(closes, 0)
