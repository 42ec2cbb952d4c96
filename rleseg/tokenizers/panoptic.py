"""Panoptic (instance-aware) schemes: ``instance`` (instance-wise) and ``classwise``.

Body grammar: groups, each = its binary runs (start fields + length, sorted by start)
followed by ONE class token that closes the group::

    [task] (run run ... class) (run ... class) ... [EOS]

* ``instance``: one group per instance (pixels of a class with instance id 0 form one
  group per class). Needs an instance-id map.
* ``classwise``: one group per class present.

The end of an instance is its class token: every group is closed by exactly one, and
:class:`~rleseg.models.panoptic_grammar.GroupGrammar` enforces it during generation (a
class token only after a run of the group, EOS only between groups), so no separate
end-of-instance token is needed.

``instance_order`` sets the order of the groups: ``'id'`` ascending (instance id, or
class id for 'classwise'; id-0 groups first), ``'raster'`` by the group's first cell in
the scan order, ``'size'`` largest first (cells on the S x S grid; ties in raster
order). ``max_instances`` keeps the first groups of that order and paints the others as
background; the grammar forbids opening a group past the cap (EOS is forced).

With ``subsample=dict(mode='majority')`` each block takes the most frequent (instance,
class) pair of its pixels, so the class kept in a block is the class of the instance
kept there ('nearest' keeps one pixel for both maps; 'any' votes each map alone).

Decoding splits at class tokens: every group with at least one valid run is one instance
(ids 1..G in sequence order); runs not closed by a class token are dropped. The model can
score an instance by the probability of its class token (``class_token_pos``).
``lac`` does not combine with panoptic schemes (the class is per group, not per run).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple

import numpy as np

from .masks import check_labels, clean_labels, remap_labels, subsample
from .runs import Runs, flatten, runs_of_grid
from .semantic import RLETokenizer
from .sequence import (DecodeReport, EncodedBatch, EncodedSequence, find_windows,
                       frame_batch, make_sequence)


#: mmdet's panoptic id encoding of a pixel: ``class + instance_id * INSTANCE_OFFSET``.
INSTANCE_OFFSET = 1000

#: ``instance_order`` values: ascending id, first cell in scan order, largest first.
INSTANCE_ORDERS = ('id', 'raster', 'size')


@dataclass
class PanopticPrediction:
    """Decoded panoptic sequence.

    Attributes:
        semantic: (H, W) class map.
        instances: (H, W) int32 instance ids, 0 = none, 1..G = groups in sequence order.
        classes: (G,) int64 class of each instance.
        class_token_pos: (G,) index in the id row of each instance's closing class token.
        first_token_pos: (G,) index in the id row of each instance's first run token.
    """

    semantic: np.ndarray
    instances: np.ndarray
    classes: np.ndarray
    class_token_pos: np.ndarray
    first_token_pos: np.ndarray

    @property
    def num_instances(self) -> int:
        return int(self.classes.shape[0])


class PanopticRLETokenizer(RLETokenizer):
    """Instance-wise / class-wise tokenizer.

    Args:
        instance_order: order of the groups in a sequence, one of
            :data:`INSTANCE_ORDERS` (see the module docstring). Default 'id'.
        max_instances: at most this many groups per mask (the first in
            ``instance_order``; the others become background); None: no cap.
        *args, **kwargs: as :class:`RLETokenizer`.

    ``encode(semantic, instances)`` takes the (P, P) class map and, for 'instance', a
    (P, P) instance-id map (any non-negative ints). ``decode`` returns the semantic map;
    :meth:`decode_panoptic` / :meth:`decode_panoptic_batch` return
    :class:`PanopticPrediction`.
    """

    SCHEMES: Tuple[str, ...] = ('instance', 'classwise')
    UPSAMPLE_MODES: Tuple[str, ...] = ('nearest', )  # instance ids have no bilinear
    default_task = 'panoptic'
    group_field = 'class'

    def __init__(self, *args, instance_order: str = 'id',
                 max_instances: Optional[int] = None, **kwargs) -> None:
        if instance_order not in INSTANCE_ORDERS:
            raise ValueError(f'PanopticRLETokenizer: instance_order must be one of '
                             f'{INSTANCE_ORDERS}, got {instance_order!r}')
        if max_instances is not None and (isinstance(max_instances, bool) or
                                          int(max_instances) != max_instances or
                                          max_instances < 1):
            raise ValueError(f'PanopticRLETokenizer: max_instances must be None or an '
                             f'integer >= 1, got {max_instances!r}')
        self.instance_order = instance_order
        self.max_instances = None if max_instances is None else int(max_instances)
        super().__init__(*args, **kwargs)

    def config(self) -> dict:
        return dict(super().config(), instance_order=self.instance_order,
                    max_instances=self.max_instances)

    def _setup(self) -> None:
        if self.window != 1:
            raise ValueError(f'PanopticRLETokenizer({self.scheme}): window must be 1, got '
                             f'{self.window}')
        self.grid_shape = self.mask_shape
        self.num_run_classes = self.num_classes
        self.coding = 'group'

    def _value_fields(self) -> Tuple[str, ...]:
        return ('length',)

    def _extra_fields(self) -> Tuple[str, ...]:
        return (self.group_field,)

    # ------------------------------------------------------------------ encode
    def group_map(self, mask: np.ndarray, instances: Optional[np.ndarray] = None):
        """Masks -> (group grid (S, S) int64 with 0 = none / 1..G, group classes (G,)).

        Groups are numbered in ``instance_order``; past ``max_instances`` they are
        background."""
        if self.scheme == 'classwise':
            sem = self.prepare(mask).astype(np.int64)
            key = sem
        else:
            sem, inst = self._instance_grids(mask, instances)
            key = inst * self.num_classes + sem
        fg = sem > 0
        uniq, inv = np.unique(key[fg], return_inverse=True)
        groups = np.zeros(sem.shape, np.int64)
        groups[fg] = inv.reshape(-1) + 1
        return self._order_groups(groups, uniq % self.num_classes)

    def _instance_grids(self, mask: np.ndarray, instances: Optional[np.ndarray]
                        ) -> Tuple[np.ndarray, np.ndarray]:
        """(P, P) class map and instance map -> (S, S) int64 class and instance grids."""
        if instances is None:
            raise ValueError("PanopticRLETokenizer('instance'): encode needs an "
                             'instance-id map (instances=...)')
        inst = np.asarray(instances)
        if inst.shape != self.input_shape:
            raise ValueError(f'PanopticRLETokenizer: instance map shape {inst.shape} '
                             f'!= expected {self.input_shape}')
        inst = inst.astype(np.int64)
        if inst.size and inst.min() < 0:
            raise ValueError('PanopticRLETokenizer: instance ids must be >= 0')
        mode = self.subsample_cfg['mode']
        if mode != 'majority':
            sem = self.prepare(mask).astype(np.int64)
            return sem, subsample(inst, self.factor, mode, None).astype(np.int64)
        mask = np.asarray(mask)
        if mask.shape != inst.shape:
            raise ValueError(f'PanopticRLETokenizer: mask shape {mask.shape} != instance '
                             f'map shape {inst.shape}')
        labels = remap_labels(check_labels(mask, self.ignore_index), self.label_map)
        classes = clean_labels(labels, self.num_classes, self.ignore_index)
        key = inst * self.num_classes + classes.astype(np.int64)
        if self.ignore_index is not None:
            key[labels == self.ignore_index] = -1     # ignore does not vote
        voted = np.maximum(subsample(key, self.factor, 'majority', -1), 0)
        return voted % self.num_classes, voted // self.num_classes

    def _order_groups(self, groups: np.ndarray, classes: np.ndarray
                      ) -> Tuple[np.ndarray, np.ndarray]:
        """Renumber groups (S, S) 1..G (ascending key) by ``instance_order`` and apply
        ``max_instances``; classes (G,) follow."""
        num = len(classes)
        if self.instance_order != 'id' and num > 1:
            flat = flatten(groups, self.order)
            cells = np.flatnonzero(flat)
            _, first = np.unique(flat[cells], return_index=True)
            first = cells[first]                          # (G,) first scan position
            if self.instance_order == 'raster':
                order = np.argsort(first, kind='stable')
            else:
                size = np.bincount(flat, minlength=num + 1)[1:]
                order = np.lexsort((first, -size))
            lut = np.zeros(num + 1, np.int64)
            lut[order + 1] = np.arange(1, num + 1)
            groups, classes = lut[groups], classes[order]
        if self.max_instances is not None and num > self.max_instances:
            groups = np.where(groups > self.max_instances, 0, groups)
            classes = classes[:self.max_instances]
        return groups, classes

    def runs(self, mask: np.ndarray, instances: Optional[np.ndarray] = None) -> Runs:
        """Runs grouped by group (groups ascending, starts ascending within a group);
        ``values`` are group numbers 1..G."""
        groups, _ = self.group_map(mask, instances)
        runs = runs_of_grid(groups, self.order, self.max_length)
        return runs.take(np.argsort(runs.values, kind='stable'))

    def count_tokens(self, mask: np.ndarray, instances: Optional[np.ndarray] = None) -> int:
        groups, classes = self.group_map(mask, instances)
        runs = runs_of_grid(groups, self.order, self.max_length)
        return 2 + self.tokens_per_run * len(runs) + len(classes)

    def encode(self, mask: np.ndarray,
               instances: Optional[np.ndarray] = None) -> EncodedSequence:
        """Class map (+ instance map for 'instance') -> grouped, framed sequence.

        Truncation keeps whole runs; a group cut short is still closed by its class token.
        """
        groups, classes = self.group_map(mask, instances)
        runs = runs_of_grid(groups, self.order, self.max_length)
        runs = runs.take(np.argsort(runs.values, kind='stable'))
        k, r_all = self.tokens_per_run, len(runs)
        g = runs.values - 1                               # 0-based group of each run
        need = k * np.arange(1, r_all + 1) + g + 1        # body tokens for the first r runs
        keep = int(np.searchsorted(need, self.max_seq_len - 2, side='right'))
        runs, g = runs.take(slice(0, keep)), g[:keep]
        n_groups = int(g[-1]) + 1 if keep else 0
        body = np.empty(k * keep + n_groups, np.int64)
        run_pos = k * np.arange(keep) + g
        body[run_pos[:, None] + np.arange(k)] = self.run_ids(runs)
        last_run = np.flatnonzero(np.diff(np.append(g, n_groups)) != 0) if keep else g
        body[k * (last_run + 1) + np.arange(n_groups)] = \
            self.layout.to_id(self.group_field, classes[:n_groups])
        tokens, weights, n = make_sequence(body, self.layout, self.task, self.max_seq_len,
                                           self.pad_weight, self.eos_weight)
        return EncodedSequence(tokens, weights, n, keep, r_all - keep, n_groups)

    def encode_batch(self, masks: np.ndarray,
                     instances: Optional[np.ndarray] = None) -> EncodedBatch:
        """(B, P, P) masks (+ (B, P, P) instance maps) -> :class:`EncodedBatch`.

        Groups are formed per mask, so this loops over the batch.
        """
        insts = [None] * len(masks) if instances is None else instances
        return EncodedBatch.stack([self.encode(m, i) for m, i in zip(masks, insts)])

    # ------------------------------------------------------------------ decode
    def decode_batch(self, ids) -> List[Tuple[np.ndarray, DecodeReport]]:
        """(B, L) ids -> list of (semantic map, report); see :meth:`decode_panoptic_batch`."""
        return [(p.semantic, r) for p, r in self.decode_panoptic_batch(ids)]

    def decode_panoptic(self, ids) -> Tuple[PanopticPrediction, DecodeReport]:
        """1-D ids -> (PanopticPrediction, report); never raises on malformed content."""
        ids = np.asarray(ids)
        if ids.ndim != 1:
            raise ValueError(f'decode_panoptic: expected 1-D ids, got shape {ids.shape}')
        return self.decode_panoptic_batch(ids[None])[0]

    def decode_panoptic_batch(self, ids) -> List[Tuple[PanopticPrediction, DecodeReport]]:
        """(B, L) ids -> list of (PanopticPrediction, report), vectorised over the batch.

        A run belongs to the first class token after it in the same row; runs with no
        closing class token, or out-of-range values, are dropped; class tokens closing no
        valid run are dropped tokens. Instances are painted in sequence order.
        """
        fr = frame_batch(ids, self.layout)
        k = self.tokens_per_run
        kinds = self.layout.classify(fr.flat, self.run_fields + (self.group_field,))
        pos = find_windows(kinds, k)
        rows = fr.rows(pos)
        start, length, _ = self.run_values(fr.flat[pos[:, None] + np.arange(k)])
        cpos = np.flatnonzero(kinds == k)
        ctok_class = np.asarray(self.layout.to_value(self.group_field, fr.flat[cpos]))
        if len(cpos):
            j = np.searchsorted(cpos, pos)
            jc = np.minimum(j, len(cpos) - 1)
            closed = (j < len(cpos)) & (fr.rows(cpos[jc]) == rows)
            cls = np.where(closed, ctok_class[jc], 1)
        else:
            jc = np.zeros(len(pos), np.int64)
            closed = np.zeros(len(pos), bool)
            cls = np.ones(len(pos), np.int64)
        valid, clipped, length = self._validate_runs(start, length, cls)
        keep = valid & closed
        fr.tally(rows, num_runs=keep, num_dropped_runs=~keep, num_clipped_runs=clipped & keep)
        # groups = class tokens closing at least one kept run; ids 1..G per row
        has = np.bincount(jc[keep], minlength=len(cpos)) > 0
        gpos, gclass = cpos[has], ctok_class[has]
        grow = fr.rows(gpos)
        rank = np.arange(len(gpos)) - np.searchsorted(grow, grow, side='left') + 1
        run_group = (np.cumsum(has) - 1)[jc[keep]]
        first = pos[keep][np.unique(run_group, return_index=True)[1]]
        grids = self._paint(fr.batch, start[keep], length[keep], run_group + 1, rows[keep],
                            dtype=np.int64)
        lut_class = np.concatenate([[0], gclass]).astype(self.mask_dtype)
        lut_rank = np.concatenate([[0], rank]).astype(np.int32)
        n_grp = np.bincount(grow, minlength=fr.batch)
        fr.counts['num_groups'] = n_grp
        fr.counts['num_dropped_tokens'] = \
            fr.body_len - k * np.bincount(rows, minlength=fr.batch) - n_grp
        bounds = np.searchsorted(grow, np.arange(fr.batch + 1))
        out = []
        for b, r in enumerate(fr.reports()):
            sl = slice(bounds[b], bounds[b + 1])
            offset = b * fr.stride
            pred = PanopticPrediction(semantic=lut_class[grids[b]],
                                      instances=lut_rank[grids[b]],
                                      classes=gclass[sl].astype(np.int64),
                                      class_token_pos=gpos[sl] - offset,
                                      first_token_pos=first[sl] - offset)
            out.append((pred, r))
        return out
