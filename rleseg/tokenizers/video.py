"""Window (video) schemes: ``3d-bin`` / ``3d-mc`` / ``3d-lac``, ``tac`` and ``ltac``.

Input masks are (N, S*k, S*k) windows of N frames.

* ``3d-*``: the (N, S, S) stack is flattened frame-major (each frame in ``order``) and
  run-length coded as one vector of N*S*S pixels; runs may cross frame ends. The start
  range grows to N*S*S (or ``frame, row, col`` tokens with ``starts='2d'``).
* ``tac`` (time as class): the frames fuse into one S x S map
  ``tac = sum_t C**t * class_t`` (frame 0 least significant), coded as ``mc`` with
  C**N - 1 foreground classes; decoding recovers ``class_t = (tac // C**t) % C``.
* ``ltac``: ``lac`` on the tac map: max_length * (C**N - 1) lac tokens.

Subsampling (``subsample=dict(factor=k, mode=...)``) and upsampling (``upsample``)
act on every frame of a window alike (the last two axes), before ``to_grid`` and after
``from_grid``: 'majority' votes each frame's k x k blocks, 'bilinear' resizes each
decoded frame's C class maps.
"""
from __future__ import annotations

from typing import Tuple

import numpy as np

from .masks import label_scores
from .semantic import RLETokenizer

MAX_TAC_CLASSES = 2 ** 31 - 1


class VideoRLETokenizer(RLETokenizer):
    """Tokenizer for windows of ``window`` frames; see the module docstring for schemes.

    Takes the arguments of :class:`RLETokenizer`; ``window`` is N (>= 1). Masks are
    (N, S*k, S*k) arrays; decoding returns (N, S, S).
    """

    SCHEMES: Tuple[str, ...] = ('3d-bin', '3d-mc', '3d-lac', 'tac', 'ltac')
    default_task = 'video'

    def _setup(self) -> None:
        if self.window < 1:
            raise ValueError(f'VideoRLETokenizer({self.scheme}): window must be >= 1, got '
                             f'{self.window}')
        c, n = self.num_classes, self.window
        if self.scheme.startswith('3d-'):
            self.grid_shape = (n,) + self.mask_shape
            self.num_run_classes = c
            self.coding = self.scheme[3:]
            return
        tac_classes = c ** n
        if tac_classes - 1 > MAX_TAC_CLASSES:
            raise ValueError(f'VideoRLETokenizer({self.scheme}): C={c} classes over N={n} '
                             f'frames give C^N-1 = {tac_classes - 1} tac classes; no '
                             'vocabulary can hold that')
        self.grid_shape = self.mask_shape
        self.num_run_classes = tac_classes
        self.coding = 'mc' if self.scheme == 'tac' else 'lac'

    def _vocab_note(self) -> str:
        if self.scheme.startswith('3d-'):
            return ''
        return (f'; {self.scheme}: C={self.num_classes} classes over N={self.window} frames '
                f'give C^N-1 = {self.num_run_classes - 1} foreground classes')

    @property
    def input_ndim(self) -> int:
        return 3

    @property
    def powers(self) -> np.ndarray:
        """(N,) int64 C**t for t = 0..N-1."""
        return self.num_classes ** np.arange(self.window, dtype=np.int64)

    @property
    def grid_is_mask(self) -> bool:
        return self.scheme.startswith('3d-')

    def upsample_scores(self, mask: np.ndarray, size: Tuple[int, int]) -> np.ndarray:
        """Decoded frames (..., N, S, S) -> (..., N, C, *size) float32 class scores of
        the C frame classes (not the C**N tac classes: decoded frames hold frame labels)."""
        return label_scores(np.asarray(mask), size, self.num_classes, self.upsample_mode)

    def to_grid(self, mask: np.ndarray) -> np.ndarray:
        if self.scheme.startswith('3d-'):
            return mask
        return np.einsum('...thw,t->...hw', mask.astype(np.int64), self.powers)

    def from_grid(self, grid: np.ndarray) -> np.ndarray:
        if self.scheme.startswith('3d-'):
            return grid.astype(self.mask_dtype, copy=False)
        frames = (grid.astype(np.int64)[..., None, :, :] // self.powers[:, None, None]) \
            % self.num_classes
        return frames.astype(self.mask_dtype)
