"""Dense auxiliary supervision for the token model, mmseg's ``auxiliary_head`` convention.

Any mmseg decode head (e.g. ``FCNHead``), or a list of them, reads either the backbone
outputs (``auxiliary_input='backbone'``: the head's ``in_index`` picks the stage, as in
mmseg) or the transformer encoder's memory reshaped to a feature map (B, d, h, w)
(``'encoder'``: a one-element list, ``in_channels`` defaults to d). It is trained with
its own loss on ``gt_sem_seg`` next to the token loss, its losses prefixed ``aux.``
(``aux_{i}.`` for a list) exactly as mmseg's ``EncoderDecoder`` does, and it is never
run at inference.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Union

from mmseg.registry import MODELS
from mmseg.utils import SampleList, add_prefix
from torch import Tensor, nn

from .memory_grid import tokens_to_map

AUXILIARY_INPUTS = ('backbone', 'encoder')
HeadConfig = Union[None, dict, Sequence[dict]]


def check_auxiliary_input(value: str, option: str = 'auxiliary_input') -> str:
    """``value`` if it is a known input of the auxiliary head, else a ValueError."""
    if value not in AUXILIARY_INPUTS:
        raise ValueError(f'{option} must be one of {AUXILIARY_INPUTS}, got {value!r}')
    return value


def build_auxiliary_head(cfg: HeadConfig, auxiliary_input: str, d_model: int,
                         option: str = 'auxiliary_head') -> Optional[nn.Module]:
    """Build the head(s): None, one decode head, or an ``nn.ModuleList`` for a list.

    Args:
        cfg: mmseg decode head config, a list of them, or None.
        auxiliary_input: 'backbone' or 'encoder'.
        d_model: transformer width d (the channels of the encoder memory).
        option: config name used in error messages.
    """
    check_auxiliary_input(auxiliary_input)
    if cfg is None:
        return None
    cfgs = [cfg] if isinstance(cfg, dict) else list(cfg)
    heads = []
    for i, head in enumerate(cfgs):
        where = option if isinstance(cfg, dict) else f'{option}[{i}]'
        if not isinstance(head, dict) or 'type' not in head:
            raise ValueError(f'{where} must be an mmseg decode head config with a type, '
                             f'got {head!r}')
        head = dict(head)
        if auxiliary_input == 'encoder':
            head.setdefault('in_channels', d_model)
            if head['in_channels'] != d_model:
                raise ValueError(f"{where}.in_channels must be d_model={d_model} with "
                                 f"auxiliary_input='encoder', got {head['in_channels']!r}")
        heads.append(MODELS.build(head))
    return heads[0] if isinstance(cfg, dict) else nn.ModuleList(heads)


def auxiliary_inputs(auxiliary_input: str, feats: Union[Tensor, Sequence[Tensor]],
                     memory: Tensor, grid: Sequence[int]) -> List[Tensor]:
    """The head's input list: the backbone outputs (``'backbone'``), or the encoder
    memory (B, h*w, d) on its grid (h, w) as one map (B, d, h, w) (``'encoder'``)."""
    if check_auxiliary_input(auxiliary_input) == 'encoder':
        return [tokens_to_map(memory, grid)]
    return list(feats) if isinstance(feats, (list, tuple)) else [feats]


def auxiliary_losses(head: nn.Module, inputs: List[Tensor], data_samples: SampleList,
                     train_cfg: Optional[dict]) -> Dict[str, Tensor]:
    """Losses of the auxiliary head(s) on ``gt_sem_seg``, prefixed like mmseg's
    ``EncoderDecoder._auxiliary_head_forward_train`` (``aux.`` or ``aux_{i}.``).

    Args:
        head: a decode head or an ``nn.ModuleList`` of them.
        inputs: feature maps, each (B, C_i, h_i, w_i).
        data_samples: samples with ``gt_sem_seg``.
        train_cfg: passed to the heads' ``loss``.
    """
    if data_samples and 'gt_sem_seg' not in data_samples[0]:
        raise KeyError('auxiliary_head: the data samples have no gt_sem_seg')
    if isinstance(head, nn.ModuleList):
        losses: Dict[str, Tensor] = {}
        for i, one in enumerate(head):
            losses.update(add_prefix(one.loss(inputs, data_samples, train_cfg), f'aux_{i}'))
        return losses
    return add_prefix(head.loss(inputs, data_samples, train_cfg), 'aux')
