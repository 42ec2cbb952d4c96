"""Teacher-forced next-token accuracy of a token model, per token field.

With the ground truth's own sequence as the decoder input (teacher forcing, as in
training), every position t predicts token t+1; the argmax of that prediction is
scored against the true token and counted under the field the true token belongs to
(``start`` / ``row`` / ``col`` / ``frame``, ``length``, ``class``, ``lac`` as the
model's vocabulary layout has them, and ``eos``). PAD targets are not counted. The
numbers show which part of a run the model gets wrong, and comparing the training
images (test pipeline, no augmentation) with the test images shows memorisation.

``tools/token_accuracy.py`` prints them for a config, a checkpoint and a split.
"""
from __future__ import annotations

from typing import Callable, Dict, Iterable, List, Tuple

import torch
from torch import nn

from rleseg.tokenizers import unpadded_length

#: Name of the end-of-sequence row, after the layout's fields.
EOS_FIELD = 'eos'
#: Name of the row summing every field.
ALL_FIELDS = 'all'

FieldCounts = Dict[str, Tuple[int, int]]
AccuracyRow = Tuple[str, int, int, float]


def field_accuracy(model: nn.Module, data_batch: dict) -> FieldCounts:
    """Correct argmax predictions and targets of one batch, per token field.

    Args:
        model: a Pix2Seq segmentor (``vocab_layout``, ``data_preprocessor``,
            ``extract_feat``, ``decoder``), in any mode: it is scored in eval mode under
            ``torch.no_grad()`` and left in the mode it was in.
        data_batch: a batch as a dataloader yields it (``inputs``: list of (C, H, W)
            tensors, ``data_samples``: samples with ``gt_sem_seg`` or ``gt_tokens``);
            the data preprocessor runs in training mode, which writes ``gt_tokens``
            (L,) at the tokenizer's input size.

    Returns:
        ``{field: (correct, targets)}`` for every field of ``model.vocab_layout.ranges``
        (in the order of a run, as the tokenizer's ``run_fields``) and ``'eos'``.
        Targets are the tokens 1..L-1 of every sequence that are not PAD; a field
        absent from the batch has (0, 0).
    """
    layout = model.vocab_layout
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            data = model.data_preprocessor(data_batch, True)
            memory = model.extract_feat(data['inputs'])
            tokens = torch.stack([s.gt_tokens for s in data['data_samples']])
            tokens = tokens.to(memory.device).long()                      # (B, L)
            # all-PAD columns predict nothing counted: drop them (causal decoder)
            tokens = tokens[:, :unpadded_length(tokens, layout.pad_id)]
            logits = model.decoder(tokens[:, :-1], memory)                # (B, T, V)
    finally:
        model.train(was_training)
    target = tokens[:, 1:]                                                # (B, T)
    correct = logits.argmax(-1) == target
    masks = {name: (target >= lo) & (target < hi)
             for name, (lo, hi) in sorted(layout.ranges.items(), key=_run_order(model))}
    masks[EOS_FIELD] = target == layout.eos_id
    return {name: (int(correct[mask].sum()), int(mask.sum()))
            for name, mask in masks.items()}


def _run_order(model: nn.Module) -> Callable[[tuple], int]:
    """Sort key of ``(field, range)`` items: the tokenizer's ``run_fields`` order, then
    the other fields in layout order."""
    run_fields = list(getattr(getattr(model, 'tokenizer', None), 'run_fields', ()))
    return lambda item: (run_fields.index(item[0]) if item[0] in run_fields
                         else len(run_fields))


def dataset_field_accuracy(model: nn.Module, batches: Iterable[dict]) -> List[AccuracyRow]:
    """:func:`field_accuracy` summed over batches (e.g. a dataloader).

    Returns:
        rows ``(field, correct, targets, accuracy %)``, the fields in
        :func:`field_accuracy`'s order, then ``'all'`` (every counted target);
        accuracy is NaN for a field without targets.
    """
    totals: Dict[str, List[int]] = {}
    for batch in batches:
        for name, (correct, targets) in field_accuracy(model, batch).items():
            total = totals.setdefault(name, [0, 0])
            total[0] += correct
            total[1] += targets
    totals[ALL_FIELDS] = [sum(t[0] for t in totals.values()),
                          sum(t[1] for t in totals.values())]
    return [(name, c, n, 100.0 * c / n if n else float('nan'))
            for name, (c, n) in totals.items()]


def accuracy_table(rows: Iterable[AccuracyRow]) -> str:
    """Markdown table ``field | targets | accuracy %`` of :func:`dataset_field_accuracy`
    rows (``-`` for a field without targets)."""
    lines = ['| field | targets | accuracy % |', '|---|---:|---:|']
    lines += [f'| {name} | {targets} | {accuracy:.1f} |' if targets else
              f'| {name} | 0 | - |' for name, _, targets, accuracy in rows]
    return '\n'.join(lines)
