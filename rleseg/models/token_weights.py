"""Loss weights of the token targets by what a token says, and the premature-EOS term.

The tokenizer gives every target a base weight (run tokens 1, EOS ``eos_weight``, PAD
``pad_weight``; :mod:`rleseg.tokenizers.sequence`). :class:`TokenWeighting` multiplies
it, from the vocabulary layout, by

* ``field_weight[name]`` for targets in the id range of field ``name`` (e.g. 'start',
  'length', 'lac', 'class'; 'length' / 'lac' tokens carry the run end), and
  ``class_token_weight`` for 'class' / 'lac' targets;
* ``class_weight[c]`` for the tokens of a run of class ``c`` (``class_weight_on``:
  ``'class'`` the run's class-carrying token, 'class' or 'lac'; ``'run'`` every token of
  the run), so that runs of a rare class cost more to get wrong.

A run's tokens are the ``F = len(tokenizer.run_fields)`` targets after the task token,
run after run (target ``j`` is field ``j % F`` of run ``j // F``), as every run scheme
with a decoding grammar writes them.

:func:`premature_eos_loss` scores the stop decision itself. At a run boundary the model
chooses between EOS (one id) and the start of a next run (S x S start ids); cross-entropy
on the true start rewards only that start id, so a model unsure *where* the next run
starts puts its mass on many start ids, EOS becomes the single most likely id and greedy
decoding stops at once, though most of the mass says "continue". The term
``-log(1 - p(EOS))`` at every target that starts a run (EOS would have been legal there
and wrong) trains "continue" on the aggregate mass of all start ids; together with the EOS
targets (weight ``eos_weight``) it makes the stop / continue decision a binary one whose
two sides are weighted by ``eos_weight`` and ``premature_eos_weight``.
"""
from __future__ import annotations

from typing import Mapping, Optional, Sequence

import numpy as np
import torch
from torch import Tensor

CLASS_FIELDS = ('class', 'lac')
CLASS_WEIGHT_ON = ('class', 'run')


class TokenWeighting:
    """Per-target loss weights from the vocabulary layout (see the module docstring).

    Args:
        tokenizer: the model's run tokenizer (``layout``, ``run_fields``,
            ``field_values``, ``num_run_classes``).
        field_weight: field name -> multiplier of the targets in that field's id range.
        class_token_weight: multiplier of 'class' / 'lac' targets.
        class_weight: None, or one multiplier per class (``num_run_classes`` values,
            background first; the background value is unused: runs are foreground).
        class_weight_on: ``'class'`` (the run's 'class' / 'lac' token) or ``'run'`` (all
            ``F`` tokens of the run).
    """

    def __init__(self, tokenizer, field_weight: Optional[Mapping[str, float]] = None,
                 class_token_weight: float = 1.0,
                 class_weight: Optional[Sequence[float]] = None,
                 class_weight_on: str = 'class') -> None:
        layout = tokenizer.layout
        self.run_length = len(tokenizer.run_fields)
        fields = tuple(tokenizer.run_fields)
        unknown = sorted(set(field_weight or {}) - set(layout.ranges))
        if unknown:
            raise ValueError(f'Pix2SeqSegmentor: loss.field_weight has unknown field(s) '
                             f'{unknown}; the fields of scheme {tokenizer.scheme!r} are '
                             f'{sorted(layout.ranges)}')
        if class_weight_on not in CLASS_WEIGHT_ON:
            raise ValueError(f'Pix2SeqSegmentor: loss.class_weight_on must be one of '
                             f'{CLASS_WEIGHT_ON}, got {class_weight_on!r}')
        id_weight = np.ones(layout.vocab_size, np.float32)
        for name, w in (field_weight or {}).items():
            id_weight[slice(*layout.ranges[name])] *= float(w)
        for name in CLASS_FIELDS:
            if name in layout.ranges:
                id_weight[slice(*layout.ranges[name])] *= float(class_token_weight)
        self.id_weight = torch.from_numpy(id_weight)
        run_ids = np.zeros(layout.vocab_size, bool)
        for name in fields:
            run_ids[slice(*layout.ranges[name])] = True
        self.is_run_id = torch.from_numpy(run_ids)
        self.class_weight = self._class_weight(tokenizer, class_weight)
        self.class_weight_on = class_weight_on
        carrier = [n for n in fields if n in CLASS_FIELDS]
        if self.class_weight is not None and class_weight_on == 'class' and not carrier:
            raise ValueError(f"Pix2SeqSegmentor: loss.class_weight_on='class' needs a class "
                             f'or lac token; scheme {tokenizer.scheme!r} has none (its '
                             f"runs are {list(fields)}): use class_weight_on='run'")
        # id -> class carried (0: not a class-carrying id); binary schemes: runs are class 1
        class_of_id = np.zeros(layout.vocab_size, np.int64)
        if carrier:
            ids, _, cls_ = tokenizer.field_values(carrier[0])
            class_of_id[ids] = cls_
        self.class_of_id = torch.from_numpy(class_of_id)
        self.has_carrier = bool(carrier)
        self.is_carrier_id = torch.from_numpy(class_of_id > 0)

    @staticmethod
    def _class_weight(tokenizer, class_weight: Optional[Sequence[float]]) -> Optional[Tensor]:
        if class_weight is None:
            return None
        values = [float(w) for w in class_weight]
        if len(values) != tokenizer.num_run_classes or min(values) < 0:
            raise ValueError(f'Pix2SeqSegmentor: loss.class_weight needs '
                             f'{tokenizer.num_run_classes} values >= 0 (one per class, '
                             f'background first), got {list(class_weight)}')
        return torch.tensor(values, dtype=torch.float32)

    def field_index(self, target: Tensor) -> Tensor:
        """(B, T) targets -> (B, T) long: the field index (0 .. F-1) of each run target
        within its run, -1 for targets outside the runs (EOS, PAD)."""
        pos = torch.arange(target.shape[1], device=target.device) % self.run_length
        is_run = self.is_run_id.to(target.device)[target]
        return torch.where(is_run, pos.expand_as(target), torch.full_like(target, -1))

    def run_class(self, target: Tensor) -> Tensor:
        """(B, T) targets -> (B, T) long: the class of the run each target belongs to
        (0 outside the runs)."""
        device = target.device
        is_run = self.is_run_id.to(device)[target]
        if not self.has_carrier:
            return is_run.long()
        cls_ = self.class_of_id.to(device)[target]
        b, t = target.shape
        f = self.run_length
        padded = torch.nn.functional.pad(cls_, (0, -t % f))
        per_run = padded.view(b, -1, f).amax(dim=-1)
        return per_run.repeat_interleave(f, dim=1)[:, :t] * is_run

    def __call__(self, target: Tensor, weight: Tensor) -> Tensor:
        """Targets (B, T) long and their base weights (B, T) float -> weights (B, T)."""
        device = target.device
        weight = weight * self.id_weight.to(device)[target]
        if self.class_weight is None:
            return weight
        factor = self.class_weight.to(device)[self.run_class(target)]
        on = self.is_run_id.to(device)[target]
        if self.class_weight_on == 'class':
            on = self.is_carrier_id.to(device)[target]
        return torch.where(on, weight * factor, weight)


def premature_eos_loss(logits: Tensor, eos_id: int, starts: Tensor) -> Tensor:
    """Mean of ``-log(1 - p(EOS))`` over the targets that start a run.

    Args:
        logits: (B, T, V) decoder logits.
        eos_id: the EOS id.
        starts: (B, T) bool, the targets that are the first token of a run (where EOS
            was legal and wrong).

    Returns:
        scalar tensor (0 when no target starts a run).
    """
    others = logits.clone()
    others[..., eos_id] = float('-inf')
    # -log(1 - p(EOS)) = log(1 + exp(logit(EOS) - logsumexp(others))), exact at both ends
    term = torch.nn.functional.softplus(logits[..., eos_id] - others.logsumexp(-1))
    return (term * starts).sum() / starts.sum().clamp(min=1)
