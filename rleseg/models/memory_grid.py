"""The encoder's memory grid: resample projected features to a chosen size.

The backbone's feature grid (e.g. 8 x 8 for a stride-8 backbone on 64 x 64 patches)
need not match the tokenizer's mask grid S x S (e.g. 16 x 16). With
``memory_size='mask'`` the projected features are resampled (bilinear) to S x S before
the transformer encoder, so encoder position (y, x) and mask cell (y, x) are the same
place and carry the same 2-D position code.
"""
from __future__ import annotations

from typing import Optional, Sequence, Tuple, Union

import torch.nn.functional as F
from torch import Tensor, nn

MemorySize = Union[None, str, int, Sequence[int]]


def parse_memory_size(value: MemorySize, mask_shape: Sequence[int],
                      option: str = 'memory_size') -> Optional[Tuple[int, int]]:
    """Config value -> target (h, w), or None to keep the backbone's grid.

    Args:
        value: None (feature grid), ``'mask'`` (the tokenizer's mask grid), an int n
            (n x n) or a pair (h, w) of positive ints.
        mask_shape: the tokenizer's mask grid (S, S) (last two entries are used).
        option: config name used in error messages.
    """
    if value is None:
        return None
    if isinstance(value, str):
        if value != 'mask':
            raise ValueError(f"{option} must be None, 'mask', an int or (h, w), got "
                             f'{value!r}')
        return int(mask_shape[-2]), int(mask_shape[-1])
    pair = (value, value) if isinstance(value, int) else tuple(value)
    if (len(pair) != 2 or any(isinstance(v, bool) or not isinstance(v, int) or v < 1
                              for v in pair)):
        raise ValueError(f"{option} must be None, 'mask', a positive int or (h, w) of "
                         f'positive ints, got {value!r}')
    return int(pair[0]), int(pair[1])


def tokens_to_map(tokens: Tensor, grid: Sequence[int]) -> Tensor:
    """Tokens (B, h*w, d), flattened row-major from a (h, w) grid -> map (B, d, h, w)."""
    b, m, d = tokens.shape
    h, w = (int(s) for s in grid)
    if m != h * w:
        raise ValueError(f'tokens_to_map: {m} tokens do not fill a {h} x {w} grid')
    return tokens.transpose(1, 2).reshape(b, d, h, w)


class MemoryGrid(nn.Module):
    """Bilinear resampling of feature tokens to a fixed grid (identity when ``size`` is
    None or already matches). No parameters.

    Args:
        size: target (h, w) or None.
    """

    def __init__(self, size: Optional[Tuple[int, int]] = None) -> None:
        super().__init__()
        self.size = size

    def forward(self, tokens: Tensor, grid: Sequence[int]
                ) -> Tuple[Tensor, Tuple[int, int]]:
        """Tokens (B, h*w, d) on ``grid`` (h, w) -> tokens (B, h'*w', d) on the target
        grid (h', w') and that grid."""
        grid = (int(grid[0]), int(grid[1]))
        if self.size is None or grid == self.size:
            return tokens, grid
        feat = F.interpolate(tokens_to_map(tokens, grid), size=self.size, mode='bilinear',
                             align_corners=False)
        return feat.flatten(2).transpose(1, 2), self.size

    def extra_repr(self) -> str:
        return f'size={self.size}'
