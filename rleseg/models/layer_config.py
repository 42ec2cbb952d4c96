"""Width and depth of the Pix2Seq transformer: one validated config per stack.

``encoder`` / ``decoder`` config dicts take ``num_layers``, ``num_heads``, ``mlp_dim``,
``dropout``, ``attn_dropout`` and ``drop_path`` (missing keys: the paper's values,
drop-path 0); the width is the model's ``d_model``. ``dropout`` acts on the residual
branches, MLP and embeddings; ``attn_dropout`` on the attention probabilities (None: the
rate of ``dropout``, rleseg's behaviour before the option existed; the Pix2Seq reference
uses 0.0, which also lets PyTorch use its fused attention kernels). Bad values raise one
line naming the option.
"""
from __future__ import annotations

from typing import Mapping, Optional

from .drop_path import check_rate

PAPER_LAYERS = dict(num_layers=6, num_heads=8, mlp_dim=1024, dropout=0.1, attn_dropout=None,
                    drop_path=0.0)


def _check_int(value, option: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f'{option} must be an int >= {minimum}, got {value!r}')
    return value


def check_width(d_model: int, option: str = 'd_model') -> int:
    """``d_model`` if it is a positive multiple of 4 (the 2-D sine code needs it)."""
    _check_int(d_model, option, 4)
    if d_model % 4:
        raise ValueError(f'{option} must be divisible by 4 (2-D sine position code), '
                         f'got {d_model}')
    return d_model


def layer_config(cfg: Optional[Mapping], d_model: int, option: str,
                 min_layers: int = 0) -> dict:
    """Validated sizes of one transformer stack.

    Args:
        cfg: the config dict (None: the paper's sizes).
        d_model: model width d.
        option: config name ('encoder' / 'decoder') used in error messages.
        min_layers: smallest allowed ``num_layers``.

    Returns:
        dict with all of ``PAPER_LAYERS``' keys.
    """
    cfg = dict(cfg or {})
    unknown = sorted(set(cfg) - set(PAPER_LAYERS))
    if unknown:
        raise ValueError(f'{option}: unknown key(s) {unknown}; known: {list(PAPER_LAYERS)}')
    out = {**PAPER_LAYERS, **cfg}
    _check_int(out['num_layers'], f'{option}.num_layers', min_layers)
    _check_int(out['num_heads'], f'{option}.num_heads', 1)
    if d_model % out['num_heads']:
        raise ValueError(f"{option}.num_heads={out['num_heads']} does not divide "
                         f'd_model={d_model}')
    _check_int(out['mlp_dim'], f'{option}.mlp_dim', 1)
    out['dropout'] = check_rate(out['dropout'], f'{option}.dropout')
    if out['attn_dropout'] is not None:
        out['attn_dropout'] = check_rate(out['attn_dropout'], f'{option}.attn_dropout')
    out['drop_path'] = check_rate(out['drop_path'], f'{option}.drop_path')
    return out
