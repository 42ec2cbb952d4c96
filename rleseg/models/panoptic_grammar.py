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
  K + 1: after the K-th class token EOS is the only choice.

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

from .decoding import GrammarField, GrammarState, Position, RunGrammar


@dataclass
class GroupState(GrammarState):
    """:class:`GrammarState` plus ``in_group`` (B,) bool: a run was emitted since the
    last class token, and ``groups`` (B,) long: class tokens emitted so far."""

    in_group: Tensor = None
    groups: Tensor = None

    def select(self, index: Tensor) -> 'GroupState':
        return GroupState(self.phase[index], self.partial[index], self.min_start[index],
                          self.done[index], self.in_group[index], self.groups[index])


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
    """

    closing_tokens = 1  # a group's class token follows its last run

    def __init__(self, fields: Sequence[GrammarField], vocab_size: int, eos_id: int,
                 pad_id: int, num_positions: int, close_ids: np.ndarray,
                 max_groups: Optional[int] = None) -> None:
        super().__init__(fields, vocab_size, eos_id, pad_id, num_positions)
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
    def from_tokenizer(cls, tok) -> 'GroupGrammar':
        """Grammar of a :class:`~rleseg.tokenizers.PanopticRLETokenizer` (its
        ``run_fields`` form a run, its ``group_field`` closes a group, its
        ``max_instances`` caps the groups)."""
        group = getattr(tok, 'group_field', None)
        if group is None or group not in tok.layout.ranges:
            raise ValueError(f'GroupGrammar: scheme {tok.scheme!r} has no group-closing '
                             'field; use RunGrammar')
        runs = RunGrammar.from_tokenizer(runs_view(tok))
        layout = tok.layout
        return cls(runs.fields, layout.vocab_size, layout.eos_id, layout.pad_id,
                   runs.num_positions, np.arange(*layout.ranges[group]),
                   getattr(tok, 'max_instances', None))

    def init_state(self, batch_size: int, device: torch.device) -> GroupState:
        base = super().init_state(batch_size, device)
        return GroupState(base.phase, base.partial, base.min_start, base.done,
                          torch.zeros(batch_size, dtype=torch.bool, device=device),
                          torch.zeros(batch_size, dtype=torch.int64, device=device))

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
        return ok

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
        state.min_start.masked_fill_(closes, 0)
