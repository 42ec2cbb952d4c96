"""Coordinate tokens that know where they point.

The decoder's start tokens (flat ``start`` ids, or ``row`` / ``col`` ids for 2-D
starts) name cells of the tokenizer's mask grid S x S. By default their embeddings
(tied to the output weights) are learned from scratch, so the model must discover
which token is which place. :func:`coordinate_code` gives each coordinate token the
2-D sine position code (:func:`~rleseg.models.transformer.sine_position_encoding_2d`,
the code the encoder memory carries) of its cell, evaluated on the mask grid:

* flat start of cell (y, x): the full code of (y, x) (for a ``3d`` grid of N frames,
  frame t's start of (y, x) gets the code of (y, x));
* row token y: the row half of the code of (y, 0), zeros in the column half;
* column token x: zeros in the row half, the column half of the code of (0, x).

Each code row is scaled to unit L2 norm, the expected norm of the decoder's learned
rows (normal init with std d^-1/2). With ``memory_size='mask'`` the code of token
(y, x) is exactly the position code of memory cell (y, x).

``coordinate_embed`` modes (:func:`apply_coordinate_embed`):

* ``'init'``: the coordinate rows of the (tied) embedding start as the code and are
  then learned like every other row.
* ``'tied'``: the coordinate rows are ``gain * code`` with one learned scalar
  ``gain`` (init 1); the other rows are learned (:class:`TiedCoordinateEmbedding`).

``coordinate_pointer=True`` adds a pointer head (:class:`CoordinatePointer`) that
scores each coordinate token against the memory features of the cells it names.
``length_pointer=True`` adds :class:`RunEndPointer`: right after a (flat) start token,
each run length (or ``lac`` id) is scored against the memory cell where a run of that
length would end, so lengths also point at places instead of being counted blind.
"""
from __future__ import annotations

from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rleseg.tokenizers import RLETokenizer

from .transformer import sine_position_encoding_2d

COORDINATE_EMBEDS = ('init', 'tied')


def coordinate_code(tokenizer: RLETokenizer, dim: int) -> Tuple[Tensor, Tensor]:
    """Coordinate token ids of the tokenizer's vocabulary and their position codes.

    Args:
        tokenizer: any rleseg tokenizer (its ``layout``, ``grid_shape``, ``order``).
        dim: embedding size d (divisible by 4).

    Returns:
        ids (K,) long and codes (K, d) float32 with unit-norm rows, for the ``start``
        ids and/or the ``row`` and ``col`` ids (``frame`` ids are not coordinates).
    """
    ranges = tokenizer.layout.ranges
    h, w = (int(s) for s in tokenizer.grid_shape[-2:])
    pe = sine_position_encoding_2d(h, w, dim).view(h, w, dim)
    half = dim // 2
    ids, codes = [], []
    if 'start' in ranges:
        lo, hi = ranges['start']
        within = torch.arange(hi - lo) % (h * w)
        if tokenizer.order == 'row':
            rows, cols = within // w, within % w
        else:
            cols, rows = within // h, within % h
        ids.append(torch.arange(lo, hi))
        codes.append(pe[rows, cols])
    if 'row' in ranges:
        lo, hi = ranges['row']
        ids.append(torch.arange(lo, hi))
        codes.append(F.pad(pe[:hi - lo, 0, :half], (0, dim - half)))
    if 'col' in ranges:
        lo, hi = ranges['col']
        ids.append(torch.arange(lo, hi))
        codes.append(F.pad(pe[0, :hi - lo, half:], (half, 0)))
    if not ids:
        raise ValueError(f'coordinate_embed: the {tokenizer.scheme!r} vocabulary has no '
                         'start / row / col tokens')
    code = torch.cat(codes)
    return torch.cat(ids), code / code.norm(dim=1, keepdim=True)


class TiedCoordinateEmbedding(nn.Module):
    """Token embedding whose coordinate rows are tied to the position code.

    Drop-in for the decoder's ``nn.Embedding``: ``weight`` (V, d) is assembled from
    the learned rows ``free_weight`` (V - K, d) and ``gain * code`` for the K coordinate
    ids; calling the module looks ids up in ``weight``. Tied input/output embeddings
    of the decoder therefore use the code in both places.

    Args:
        weight: (V, d) initial embedding (the decoder's); its non-coordinate rows are
            copied into ``free_weight``.
        ids: (K,) coordinate ids; code: (K, d) their codes (:func:`coordinate_code`).
    """

    def __init__(self, weight: Tensor, ids: Tensor, code: Tensor) -> None:
        super().__init__()
        vocab = weight.shape[0]
        is_coord = torch.zeros(vocab, dtype=torch.bool)
        is_coord[ids] = True
        free_ids = torch.nonzero(~is_coord).flatten()
        # weight = cat([free_weight, gain * code])[order]
        order = torch.empty(vocab, dtype=torch.long)
        order[free_ids] = torch.arange(len(free_ids))
        order[ids] = torch.arange(len(ids)) + len(free_ids)
        self.free_weight = nn.Parameter(weight.detach()[free_ids].clone())
        self.gain = nn.Parameter(torch.ones(()))
        self.register_buffer('code', code.to(weight.dtype).clone(), persistent=False)
        self.register_buffer('order', order, persistent=False)

    @property
    def weight(self) -> Tensor:
        """(V, d) embedding matrix (differentiable in ``free_weight`` and ``gain``)."""
        return torch.cat([self.free_weight, self.gain * self.code])[self.order]

    def forward(self, tokens: Tensor) -> Tensor:
        """ids (...) -> embeddings (..., d)."""
        return F.embedding(tokens, self.weight)


def apply_coordinate_embed(decoder: nn.Module, tokenizer: RLETokenizer,
                           mode: Optional[str], option: str = 'coordinate_embed') -> None:
    """Give the decoder's coordinate tokens the position code (in place).

    Args:
        decoder: a :class:`~rleseg.models.transformer.TransformerDecoder` (its
            ``token_embed`` and ``dim``).
        tokenizer: the model's tokenizer.
        mode: None (learned from scratch, unchanged), ``'init'`` or ``'tied'``.
        option: config name used in error messages.
    """
    if mode is None:
        return
    if mode not in COORDINATE_EMBEDS:
        raise ValueError(f'{option} must be None or one of {COORDINATE_EMBEDS}, got '
                         f'{mode!r}')
    ids, code = coordinate_code(tokenizer, decoder.dim)
    if mode == 'init':
        with torch.no_grad():
            decoder.token_embed.weight[ids] = code.to(decoder.token_embed.weight)
        return
    if 'start' in tokenizer.layout.ranges and len(tokenizer.grid_shape) == 3:
        raise ValueError(f"{option}='tied' needs one code per start token, but flat starts "
                         f'over {tokenizer.grid_shape[0]} frames repeat the spatial code; '
                         "use 'init' or starts='2d'")
    decoder.token_embed = TiedCoordinateEmbedding(decoder.token_embed.weight, ids, code)


def scan_cells(tokenizer: RLETokenizer) -> Tensor:
    """(h*w,) long: the memory cell (row-major on the mask grid (h, w)) of each flat
    scan position of the tokenizer's ``order``."""
    h, w = (int(s) for s in tokenizer.grid_shape[-2:])
    scan = torch.arange(h * w)
    return scan if tokenizer.order == 'row' else (scan % h) * w + scan // h


def coordinate_cells(tokenizer: RLETokenizer) -> Tuple[Tensor, Tensor]:
    """Which memory cells each coordinate token points at, for a memory on the mask
    grid (h, w) flattened row-major.

    Returns:
        ids (K,) long (same order as :func:`coordinate_code`) and an averaging matrix
        (K, h*w) float32: a flat start's row is one-hot at its cell, row token y
        averages the cells of row y, column token x those of column x.
    """
    ranges = tokenizer.layout.ranges
    h, w = (int(s) for s in tokenizer.grid_shape[-2:])
    cells = torch.arange(h * w).view(h, w)
    ids, rows = [], []
    if 'start' in ranges:
        lo, hi = ranges['start']
        if hi - lo != h * w:
            raise ValueError('coordinate_pointer: flat starts over frames (a 3-D grid) '
                             "are not supported; use starts='2d'")
        ids.append(torch.arange(lo, hi))
        rows.append(F.one_hot(scan_cells(tokenizer), h * w).float())
    if 'row' in ranges:
        lo, hi = ranges['row']
        ids.append(torch.arange(lo, hi))
        rows.append(F.one_hot(cells, h * w).float().mean(dim=1))
    if 'col' in ranges:
        lo, hi = ranges['col']
        ids.append(torch.arange(lo, hi))
        rows.append(F.one_hot(cells.t(), h * w).float().mean(dim=1))
    if not ids:
        raise ValueError(f'coordinate_pointer: the {tokenizer.scheme!r} vocabulary has no '
                         'start / row / col tokens')
    return torch.cat(ids), torch.cat(rows)


class CoordinatePointer(nn.Module):
    """Pointer head: scores coordinate tokens against the memory cells they name.

    For coordinate id k with memory feature m_k (the cell, or the mean of a row /
    column: :func:`coordinate_cells`) and normalised decoder state h, the logit of k
    gains ``query(h) . key(m_k) / sqrt(d)``. The key projection starts at zero, so an
    untrained pointer leaves the logits as they are. Needs the memory on the mask grid
    (``memory_size='mask'``).

    Args:
        dim: model width d.
        ids: (K,) coordinate ids; cells: (K, M) averaging matrix over M memory tokens.
    """

    def __init__(self, dim: int, ids: Tensor, cells: Tensor) -> None:
        super().__init__()
        self.query = nn.Linear(dim, dim)
        self.key = nn.Linear(dim, dim)
        nn.init.zeros_(self.key.weight)
        nn.init.zeros_(self.key.bias)
        self.scale = dim**-0.5
        self.register_buffer('ids', ids.clone(), persistent=False)
        self.register_buffer('cells', cells.clone(), persistent=False)

    def keys(self, memory: Tensor) -> Tensor:
        """Encoder memory (B, M, d) -> pointer keys (B, K, d) (computed once per image)."""
        if memory.shape[1] != self.cells.shape[1]:
            raise ValueError(f'coordinate_pointer: the memory has {memory.shape[1]} tokens, '
                             f'the mask grid {self.cells.shape[1]} cells; set '
                             "memory_size='mask' (image models only)")
        return self.key(torch.matmul(self.cells.to(memory.dtype), memory))

    def forward(self, hidden: Tensor, keys: Tensor, logits: Tensor) -> Tensor:
        """Normalised decoder states (B, T, d), keys (B, K, d), logits (B, T, V) ->
        logits with the pointer scores added at the coordinate ids."""
        scores = torch.matmul(self.query(hidden), keys.transpose(1, 2)) * self.scale
        return logits.index_add(-1, self.ids, scores.to(logits.dtype))


def pointer_enabled(tokenizer: RLETokenizer, enabled: bool,
                    memory_size: Optional[Tuple[int, int]], option: str) -> bool:
    """Validate a pointer switch: ``enabled`` must be a bool, and a pointer needs the
    memory on the mask grid. Returns ``enabled``."""
    if not isinstance(enabled, bool):
        raise ValueError(f'{option} must be True or False, got {enabled!r}')
    if enabled and memory_size != tuple(tokenizer.mask_shape):
        raise ValueError(f"{option}=True needs memory_size='mask' (the memory on the mask "
                         f'grid), got a memory grid of {memory_size or "the features"}')
    return enabled


def apply_coordinate_pointer(decoder: nn.Module, tokenizer: RLETokenizer, enabled: bool,
                             memory_size: Optional[Tuple[int, int]],
                             option: str = 'coordinate_pointer') -> None:
    """Attach a :class:`CoordinatePointer` as ``decoder.pointer`` (in place).

    Args:
        decoder: a :class:`~rleseg.models.transformer.TransformerDecoder`.
        tokenizer: the model's tokenizer.
        enabled: the config switch (a bool).
        memory_size: the model's parsed memory grid; must be the mask grid.
        option: config name used in error messages.
    """
    if not pointer_enabled(tokenizer, enabled, memory_size, option):
        return
    ids, cells = coordinate_cells(tokenizer)
    decoder.pointer = CoordinatePointer(decoder.dim, ids, cells)


def run_end_cells(tokenizer: RLETokenizer, cell_of_scan: Optional[Tensor] = None
                  ) -> Tuple[int, Tensor, Tensor, Tensor]:
    """What :class:`RunEndPointer` needs from a tokenizer with flat starts.

    Args:
        tokenizer: the run tokenizer.
        cell_of_scan: (P,) long, the memory cell of each flat scan position; None: the
            image mask grid's (:func:`scan_cells`; the tokenizer's grid must be 2-D).

    Returns:
        start_lo: first start id; cell_of_scan: (P,) long, memory cell (row-major on
        the mask grid) of each scan position (the tokenizer's ``order``); ids: (K,) the
        length / lac ids; steps: (K,) long, ``length - 1`` of each id (the run's last
        scan position is start + step).
    """
    ranges = tokenizer.layout.ranges
    if cell_of_scan is None:
        if 'start' not in ranges or len(tokenizer.grid_shape) != 2:
            raise ValueError("length_pointer=True needs flat starts on an image mask grid "
                             f"(starts='flat'), got starts={tokenizer.starts!r} on a grid "
                             f'of {tuple(tokenizer.grid_shape)}')
        cell_of_scan = scan_cells(tokenizer)
    fields = tuple(tokenizer.run_fields)
    if fields[1] not in ('length', 'lac'):
        raise ValueError(f'length_pointer=True needs the length right after the start, '
                         f'got run fields {fields}')
    ids, length, _ = tokenizer.field_values(fields[1])
    return (int(ranges['start'][0]), cell_of_scan, torch.from_numpy(ids),
            torch.from_numpy(length - 1))


class RunEndPointer(nn.Module):
    """Pointer head for run lengths: a length is scored at the cell where it ends.

    At a position whose input token is a flat start s (so the next token is the run's
    length), the logit of a length id of length l gains ``query(h) . key(m_e) /
    sqrt(d)`` with m_e the memory feature of scan position e = s + l - 1 (lengths past
    the grid's end gain nothing; the grammar forbids them). Elsewhere the logits are
    unchanged. The key projection starts at zero (an untrained pointer changes
    nothing). Needs the memory on the mask grid (``memory_size='mask'``).

    Args:
        dim: model width d.
        start_lo, cell_of_scan, ids, steps: see :func:`run_end_cells`.
    """

    def __init__(self, dim: int, start_lo: int, cell_of_scan: Tensor, ids: Tensor,
                 steps: Tensor) -> None:
        super().__init__()
        self.query = nn.Linear(dim, dim)
        self.key = nn.Linear(dim, dim)
        nn.init.zeros_(self.key.weight)
        nn.init.zeros_(self.key.bias)
        self.scale = dim**-0.5
        self.start_lo = start_lo
        self.register_buffer('cell_of_scan', cell_of_scan.clone(), persistent=False)
        self.register_buffer('ids', ids.clone(), persistent=False)
        self.register_buffer('steps', steps.clone(), persistent=False)

    def keys(self, memory: Tensor) -> Tensor:
        """Encoder memory (B, M, d) -> keys (B, M, d), one per memory cell."""
        if memory.shape[1] != self.cell_of_scan.numel():
            raise ValueError(f'length_pointer: the memory has {memory.shape[1]} tokens, the '
                             f"mask grid {self.cell_of_scan.numel()} cells; set "
                             "memory_size='mask' (image models only)")
        return self.key(memory)

    def forward(self, hidden: Tensor, keys: Tensor, logits: Tensor,
                tokens: Tensor) -> Tensor:
        """Normalised states (B, T, d), keys (B, M, d), logits (B, T, V) and the input
        ids at those positions (B, T) -> logits with the run-end scores added."""
        num_cells = self.cell_of_scan.numel()
        start = tokens - self.start_lo
        is_start = (start >= 0) & (start < num_cells)
        end = start.clamp(0, num_cells - 1)[..., None] + self.steps  # (B, T, K)
        inside = is_start[..., None] & (end < num_cells)
        cells = self.cell_of_scan[end.clamp_(max=num_cells - 1)]
        scores = torch.matmul(self.query(hidden), keys.transpose(1, 2)) * self.scale
        scores = torch.gather(scores, 2, cells) * inside
        return logits.index_add(-1, self.ids, scores.to(logits.dtype))


def apply_length_pointer(decoder: nn.Module, tokenizer: RLETokenizer, enabled: bool,
                         memory_size: Optional[Tuple[int, int]],
                         option: str = 'length_pointer') -> None:
    """Attach a :class:`RunEndPointer` as ``decoder.length_pointer`` (in place).

    Args: as :func:`apply_coordinate_pointer`.
    """
    if not pointer_enabled(tokenizer, enabled, memory_size, option):
        return
    decoder.length_pointer = RunEndPointer(decoder.dim, *run_end_cells(tokenizer))
