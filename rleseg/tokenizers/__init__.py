"""Run-length-encoding tokenizers: masks <-> token sequences (pure numpy).

The one RLE implementation of rleseg; transforms, models, metrics and tools call it.

Schemes (``build_tokenizer(dict(scheme=...))``):

==============  ======================  ==================================================
scheme          input mask              tokens per run
==============  ======================  ==================================================
``bin``         (S, S), 2 classes       start, length
``mc``          (S, S), C classes       start, length, class
``lac``         (S, S), C classes       start, lac  (lac = max_length*(class-1) + length)
``3d-bin``      (N, S, S) window        start (in N*S*S), length
``3d-mc``       (N, S, S)               start, length, class
``3d-lac``      (N, S, S)               start, lac
``tac``         (N, S, S)               start, length, class (C^N - 1 time-as-class ids)
``ltac``        (N, S, S)               start, lac (over C^N - 1 classes)
``instance``    (S, S) + instance map   start, length ... closing class token per instance
``classwise``   (S, S)                  start, length ... closing class token per class
==============  ======================  ==================================================

``starts='2d'`` replaces ``start`` by ``row, col`` (``frame, row, col`` for 3d schemes).
``order='col'`` flattens column-major. Inputs may be larger by the subsample factor k.

For grammar-constrained decoding a model needs ``tok.run_fields`` (field names per run in
order), ``tok.layout.ranges[name]`` (half-open id range of each field),
``tok.layout.eos_id``, ``tok.layout.special[tok.task]`` (task token) and the value
arithmetic documented in :mod:`rleseg.tokenizers.vocab` (``layout.to_value``,
``tok.start_index``, ``tok.run_values``). Panoptic schemes add the group-closing field
``tok.group_field`` ('class').

Sequences (:mod:`rleseg.tokenizers.sequence`): ``[task] runs... [EOS] PAD...`` of length
``max_seq_len``; ``weights[i]`` weights ``tokens[i]`` as a *target* (task token 0, run
tokens 1, EOS/PAD ``pad_weight``), so teacher forcing feeds ``tokens[:-1]`` and scores
against ``tokens[1:]`` with ``weights[1:]``. ``encode_batch`` / ``decode_batch`` process
B masks / sequences in one vectorised call (use them for many small masks).
"""
from typing import Mapping, Union

from .masks import remap_labels, subsample, upsample
from .panoptic import INSTANCE_OFFSET, PanopticPrediction, PanopticRLETokenizer
from .runs import (Runs, extract_runs, flatten, grid_of_runs, paint_runs, runs_of_grid,
                   split_runs, unflatten)
from .semantic import RLETokenizer
from .sequence import DecodeReport, EncodedBatch, EncodedSequence, unpadded_length
from .stats import dataset_stats, scheme_token_counts, sequence_stats
from .video import VideoRLETokenizer
from .vocab import FIELD_BASE, SPECIAL_TOKENS, TASKS, VocabLayout

TOKENIZERS = {s: cls for cls in (RLETokenizer, VideoRLETokenizer, PanopticRLETokenizer)
              for s in cls.SCHEMES}
SCHEMES = tuple(TOKENIZERS)


def build_tokenizer(cfg: Union[Mapping, RLETokenizer]) -> RLETokenizer:
    """Build a tokenizer from a config dict (keys: the tokenizer's arguments).

    A ``layout`` key (a :meth:`VocabLayout.to_dict` dict, e.g. from a checkpoint) is
    checked against the layout the config computes, so a model decodes with the layout it
    was trained with. An already-built tokenizer is returned unchanged.
    """
    if isinstance(cfg, RLETokenizer):
        return cfg
    cfg = dict(cfg)
    cfg.pop('type', None)
    saved = cfg.pop('layout', None)
    scheme = cfg.get('scheme', 'mc')
    if scheme not in TOKENIZERS:
        raise ValueError(f'build_tokenizer: unknown scheme {scheme!r}; expected one of '
                         f'{SCHEMES}')
    if isinstance(cfg.get('label_map'), Mapping):
        cfg['label_map'] = {int(k): int(v) for k, v in cfg['label_map'].items()}
    tok = TOKENIZERS[scheme](**cfg)
    if saved is not None and VocabLayout.from_dict(saved) != tok.layout:
        raise ValueError(f'build_tokenizer: saved layout {dict(saved)["ranges"]} differs '
                         f'from the layout of this config {tok.layout.to_dict()["ranges"]}')
    return tok


def tokenizer_from_layout(layout: Union[Mapping, VocabLayout]) -> RLETokenizer:
    """Rebuild the tokenizer a stored layout was computed for (its ``meta`` config)."""
    d = layout.to_dict() if isinstance(layout, VocabLayout) else dict(layout)
    return build_tokenizer(dict(d.get('meta', {}), layout=d))


__all__ = [
    'build_tokenizer', 'tokenizer_from_layout', 'TOKENIZERS', 'SCHEMES', 'RLETokenizer',
    'VideoRLETokenizer', 'PanopticRLETokenizer', 'PanopticPrediction', 'VocabLayout',
    'DecodeReport', 'EncodedSequence', 'EncodedBatch', 'Runs', 'extract_runs', 'split_runs',
    'paint_runs', 'flatten', 'unflatten', 'runs_of_grid', 'grid_of_runs', 'subsample', 'upsample',
    'remap_labels', 'sequence_stats', 'dataset_stats', 'scheme_token_counts',
    'FIELD_BASE', 'SPECIAL_TOKENS', 'TASKS', 'INSTANCE_OFFSET', 'unpadded_length'
]
