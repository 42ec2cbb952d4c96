"""Drop-path (stochastic depth) on whole transformer layers.

In training, each sample of a batch skips a layer with probability ``p``: the layer's
residual update ``layer(x) - x`` is zeroed for that sample and kept samples are scaled
by ``1 / (1 - p)`` (Huang et al. 2016; Pix2Seq uses ``p = 0.1``). At inference the
layer runs unchanged.

:func:`add_drop_path` attaches a parameter-free :class:`DropPath` child to each layer
and a forward hook that applies it, so the layers' code and state-dict keys stay as
they are (a checkpoint trained with drop-path loads into a model without it).
"""
from __future__ import annotations

from typing import Iterable

from torch import Tensor, nn


class DropPath(nn.Module):
    """Per-sample drop of a residual update.

    Args:
        p: drop probability in [0, 1).
    """

    def __init__(self, p: float = 0.0) -> None:
        super().__init__()
        self.p = check_rate(p, 'drop_path')

    def forward(self, update: Tensor) -> Tensor:
        """update (B, ...) -> the same with whole samples zeroed (training only)."""
        if not self.training or self.p == 0.0:
            return update
        keep = 1.0 - self.p
        shape = (update.shape[0], ) + (1, ) * (update.ndim - 1)
        mask = update.new_empty(shape).bernoulli_(keep)
        return update * mask / keep

    def extra_repr(self) -> str:
        return f'p={self.p}'


def check_rate(p: float, option: str) -> float:
    """``p`` as a float if it is a probability in [0, 1), else a ValueError naming
    ``option``."""
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p < 1.0:
        raise ValueError(f'{option} must be a number in [0, 1), got {p!r}')
    return float(p)


def _residual_drop_hook(layer: nn.Module, args: tuple, output: Tensor) -> Tensor:
    """Forward hook: ``x + drop_path(layer(x) - x)`` with x the layer's first input."""
    if not layer.training or layer.drop_path.p == 0.0:
        return output
    x = args[0]
    return x + layer.drop_path(output - x)


def add_drop_path(layers: Iterable[nn.Module], p: float, option: str = 'drop_path') -> None:
    """Give every residual layer in ``layers`` a drop-path of rate ``p`` (in place).

    Each layer must map (B, T, d) to (B, T, d) with its input as the first positional
    argument (pre-norm transformer layers). ``p = 0`` leaves the layers untouched.

    Args:
        layers: the layers (e.g. ``encoder.layers``).
        p: drop probability of each layer, the same for all (Pix2Seq).
        option: config name used in error messages.
    """
    p = check_rate(p, option)
    if p == 0.0:
        return
    for layer in layers:
        if hasattr(layer, 'drop_path'):
            raise ValueError(f'{option}: layer {type(layer).__name__} already has a '
                             'drop_path')
        layer.drop_path = DropPath(p)
        layer.register_forward_hook(_residual_drop_hook)


__all__ = ['DropPath', 'add_drop_path', 'check_rate']
