"""Pix2Seq video segmentor: a window of N frames in, the window's RLE sequence out.

Every frame goes through the shared backbone, input projection and transformer
encoder of :class:`~rleseg.models.Pix2SeqSegmentor`; the frames are fused before the
decoder, which generates the window's ``3d-*``, ``tac`` or ``ltac`` sequence:

* ``'middle'`` fusion: in the last encoder layer, the tokens of frame 0 cross-attend
  to the tokens of every other frame (tagged with learned frame embeddings); the
  decoder reads frame 0's M tokens.
* ``'late'`` fusion: every frame is encoded on its own; the decoder reads all N*M
  tokens, each plus its learned frame embedding.
* ``'cell'`` fusion: every frame is encoded on its own up to the last encoder layer;
  memory cell (y, x) is a learned linear map of the N frames' cells (y, x)
  concatenated (N*d -> d; the place in the concatenation names the frame, so no frame
  embedding is added), then the last encoder layer mixes the fused cells; the decoder
  reads M tokens, each holding all N frames of its place, as a ``tac`` / ``ltac`` class
  (the N frames' labels of one cell) needs.

The coordinate and run-end pointers (``coordinate_pointer`` / ``length_pointer``, with
``memory_size='mask'``) score tokens against the memory cells they name
(:class:`WindowPointer`): the S x S grid of ``tac`` / ``ltac`` (and of ``2d`` starts)
reads frame 0's fused cells (middle fusion), the fused cells (cell fusion) or each cell
averaged over the N frames (late fusion); flat starts over the N*S*S cells of ``3d-*``
read cell (t, y, x) of frame t (late fusion) or the fused cell (y, x) for every t
(middle and cell fusion).

Inputs are the window's frames stacked along channels, (B, N*C, H, W) (frame t is
channels t*C .. t*C+C-1), as ``FormatWindow(layout='channels')`` + ``PackSegInputs``
produce them. Training, generation, decoding and sliding-window inference are the
parent's; predictions are (N, H, W) per window and are merged back into frames by
:class:`~rleseg.evaluation.VideoFrameMetric`.
"""
from __future__ import annotations

from typing import Optional, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor, nn

from rleseg.tokenizers import RLETokenizer

from .coordinates import (CoordinatePointer, RunEndPointer, coordinate_cells,
                          pointer_enabled, run_end_cells, scan_cells)
from .segmentor import Pix2SeqSegmentor

FUSIONS = ('middle', 'late', 'cell')


class FrameCrossAttention(nn.Module):
    """Pre-norm cross-attention block: frame-0 tokens attend to other frames' tokens.

    Args:
        dim: model width d.
        num_heads: attention heads.
        dropout: attention / residual dropout.
    """

    def __init__(self, dim: int, num_heads: int, dropout: float = 0.0) -> None:
        super().__init__()
        self.norm_q = nn.LayerNorm(dim)
        self.norm_kv = nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, num_heads, dropout=dropout,
                                          batch_first=True)
        self.drop = nn.Dropout(dropout)

    def forward(self, query: Tensor, context: Tensor) -> Tensor:
        """query (B, M, d), context (B, K, d) -> (B, M, d)."""
        kv = self.norm_kv(context)
        out, _ = self.attn(self.norm_q(query), kv, kv, need_weights=False)
        return query + self.drop(out)


def window_scan_cells(tokenizer: RLETokenizer) -> Tensor:
    """(P,) long: the cell (frame-major, each frame row-major) of every flat scan
    position of the tokenizer's grid (P = S*S, or N*S*S for a ``3d-*`` grid)."""
    cells = scan_cells(tokenizer)
    frames = int(tokenizer.grid_shape[0]) if len(tokenizer.grid_shape) == 3 else 1
    return (torch.arange(frames)[:, None] * cells.numel() + cells[None]).flatten()


def is_frame_grid(tokenizer: RLETokenizer) -> bool:
    """True when start tokens name cells of all N frames (flat starts of ``3d-*``)."""
    return tokenizer.starts == 'flat' and len(tokenizer.grid_shape) == 3


def window_coordinate_cells(tokenizer: RLETokenizer) -> Tuple[Tensor, Tensor]:
    """Coordinate ids (K,) and their averaging matrix over the pointer's cells (K, P):
    one-hot at the start's cell among N*S*S for flat ``3d-*`` starts, else
    :func:`~rleseg.models.coordinates.coordinate_cells` on the S x S grid."""
    if not is_frame_grid(tokenizer):
        return coordinate_cells(tokenizer)
    lo, hi = tokenizer.layout.ranges['start']
    cells = window_scan_cells(tokenizer)
    return torch.arange(lo, hi), F.one_hot(cells, cells.numel()).float()


def window_run_end_cells(tokenizer: RLETokenizer) -> Tuple[int, Tensor, Tensor, Tensor]:
    """:func:`~rleseg.models.coordinates.run_end_cells` for window grids: a run of a
    flat ``3d-*`` start may cross frame ends, so its end cell is looked up among the
    N*S*S cells (start_lo, cell_of_scan (P,), length ids (K,), steps (K,))."""
    if not is_frame_grid(tokenizer):
        return run_end_cells(tokenizer)
    return run_end_cells(tokenizer, window_scan_cells(tokenizer))


def frame_cells(memory: Tensor, memory_frames: int, cell_frames: int) -> Tensor:
    """Window memory (B, F*M, d) of F frames -> (B, T*M, d) for a pointer over T frames'
    cells: as is (F == T), frame 0's fused cells repeated for each frame (F = 1),
    or each cell averaged over the F frames (T = 1)."""
    if memory_frames == cell_frames:
        return memory
    if memory_frames == 1:
        return memory.repeat(1, cell_frames, 1)
    b, m, d = memory.shape
    return memory.view(b, memory_frames, m // memory_frames, d).mean(dim=1)


class WindowPointer(nn.Module):
    """A pointer head (:class:`~rleseg.models.coordinates.CoordinatePointer` or
    :class:`~rleseg.models.coordinates.RunEndPointer`) over a window memory: its keys
    are read from the memory rearranged by :func:`frame_cells`.

    Args:
        head: the pointer head, built over ``cell_frames`` frames' cells.
        memory_frames: frames in the memory (1: middle fusion, N: late fusion).
        cell_frames: frames the head's cells cover (N: flat ``3d-*`` starts, else 1).
    """

    def __init__(self, head: nn.Module, memory_frames: int, cell_frames: int) -> None:
        super().__init__()
        self.head = head
        self.memory_frames, self.cell_frames = memory_frames, cell_frames

    def keys(self, memory: Tensor) -> Tensor:
        """Window memory (B, F*M, d) -> the head's keys."""
        return self.head.keys(frame_cells(memory, self.memory_frames, self.cell_frames))

    def forward(self, *args: Tensor) -> Tensor:
        """The head's logits (its arguments: states, keys, logits[, input ids])."""
        return self.head(*args)


def time_class_labels(tokenizer: RLETokenizer) -> Tuple[Tensor, Tensor]:
    """Ids (K,) of the ``tac`` ``class`` / ``ltac`` ``lac`` tokens and their frame labels
    (K, N*(C-1)) float32: one-hot of class_t = (v // C**t) % C of the token's class v in
    column t*(C-1) + class_t - 1 (background: no column)."""
    field = 'lac' if 'lac' in tokenizer.layout.ranges else 'class'
    ids, _, values = tokenizer.field_values(field)
    c, n = tokenizer.num_classes, tokenizer.window
    frames = (values[:, None] // tokenizer.powers[None]) % c                  # (K, N)
    labels = torch.zeros(len(ids), n * (c - 1))
    rows, cols = np.nonzero(frames)
    labels[rows, cols * (c - 1) + frames[rows, cols] - 1] = 1.0
    return torch.from_numpy(ids), labels


class TimeClassEmbedding(nn.Module):
    """The decoder's token embedding with time-as-class rows that share parts: the row
    of a token carrying class v is its own row plus the sum of one learned vector per
    (frame t, label class_t > 0) of v (:func:`time_class_labels`; init zero, so the
    model starts as without them). Input and (tied) output embeddings both use it, so
    every class token's gradient also trains the frame labels it holds.

    Args:
        embed: the decoder's embedding (``weight`` (V, d), e.g. ``nn.Embedding``).
        ids: (K,) time-as-class token ids; labels: (K, P) their frame labels.
    """

    def __init__(self, embed: nn.Module, ids: Tensor, labels: Tensor) -> None:
        super().__init__()
        self.embed = embed
        self.frame_labels = nn.Parameter(torch.zeros(labels.shape[1],
                                                     embed.weight.shape[1]))
        self.register_buffer('ids', ids, persistent=False)
        self.register_buffer('labels', labels, persistent=False)

    @property
    def weight(self) -> Tensor:
        """(V, d) embedding matrix."""
        return self.embed.weight.index_add(0, self.ids, self.labels @ self.frame_labels)

    def forward(self, tokens: Tensor) -> Tensor:
        """ids (...) -> embeddings (..., d)."""
        return F.embedding(tokens, self.weight)


@MODELS.register_module()
class Pix2SeqVideoSegmentor(Pix2SeqSegmentor):
    """Pix2Seq over windows of frames with middle or late frame fusion.

    Args:
        tokenizer: a window tokenizer config (``3d-bin`` / ``3d-mc`` / ``3d-lac`` /
            ``tac`` / ``ltac``); its ``window`` is the number of frames N.
        fusion: ``'middle'``, ``'late'`` or ``'cell'`` (see the module docstring).
        frame_embed: True: a learned embedding per frame tags the frames' tokens
            (init N(0, 0.02)); False: no frame tags (a fixed zero, the ablation).
            Cell fusion adds none either way (the concatenation names the frames).
        time_class_embed: True: ``tac`` / ``ltac`` class tokens share one learned
            embedding part per (frame, frame label) they hold (:class:`TimeClassEmbedding`).
        coordinate_pointer, length_pointer: the pointer heads of
            :class:`Pix2SeqSegmentor`, scoring against the window memory's cells
            (:class:`WindowPointer`); both need ``memory_size='mask'``.
        **kwargs: :class:`Pix2SeqSegmentor` arguments (backbone, d_model, encoder,
            decoder, loss, test_cfg, data_preprocessor with N-times repeated
            ``mean`` / ``std`` and ``bgr_to_rgb=False``, ...).
    """

    def __init__(self, tokenizer: dict, fusion: str = 'late', frame_embed: bool = True,
                 time_class_embed: bool = False, coordinate_pointer: bool = False,
                 length_pointer: bool = False, **kwargs) -> None:
        if kwargs.get('auxiliary_head') is not None:
            raise ValueError('Pix2SeqVideoSegmentor: auxiliary_head is not supported (a '
                             "window's gt_sem_seg holds N frames); set it to None")
        if fusion not in FUSIONS:
            raise ValueError(f'Pix2SeqVideoSegmentor: fusion must be one of {FUSIONS}, '
                             f'got {fusion!r}')
        super().__init__(tokenizer=tokenizer, **kwargs)
        self.fusion = fusion
        self.num_frames = int(self.tokenizer.window)
        dim = self.decoder.dim
        self._add_pointers(coordinate_pointer, length_pointer)
        if time_class_embed:
            if self.tokenizer.scheme not in ('tac', 'ltac'):
                raise ValueError('Pix2SeqVideoSegmentor: time_class_embed needs a tac or '
                                 f'ltac tokenizer, got {self.tokenizer.scheme!r}')
            self.decoder.token_embed = TimeClassEmbedding(
                self.decoder.token_embed, *time_class_labels(self.tokenizer))
        if not isinstance(frame_embed, bool):
            raise ValueError(f'Pix2SeqVideoSegmentor: frame_embed must be True or False, '
                             f'got {frame_embed!r}')
        if frame_embed and fusion != 'cell':
            self.frame_embed = nn.Parameter(torch.zeros(self.num_frames, dim))
            nn.init.normal_(self.frame_embed, std=0.02)
        else:
            self.register_buffer('frame_embed', torch.zeros(self.num_frames, dim),
                                 persistent=False)
        if fusion == 'middle':
            layers = self.encoder.layers
            heads = (layers[0].self_attn.num_heads if len(layers) else
                     self.decoder.num_heads)
            dropout = layers[0].dropout.p if len(layers) else 0.0
            self.frame_attn = FrameCrossAttention(dim, heads, dropout)
        if fusion == 'cell':
            self.cell_fuse = nn.Linear(self.num_frames * dim, dim)

    def _add_pointers(self, coordinate_pointer: bool, length_pointer: bool) -> None:
        """Attach the switched-on pointer heads to the decoder, reading the window
        memory's cells (:class:`WindowPointer`)."""
        tok, grid = self.tokenizer, self.memory_grid.size
        memory_frames = self.num_frames if self.fusion == 'late' else 1
        cell_frames = self.num_frames if is_frame_grid(tok) else 1
        if pointer_enabled(tok, coordinate_pointer, grid, 'coordinate_pointer'):
            head = CoordinatePointer(self.decoder.dim, *window_coordinate_cells(tok))
            self.decoder.pointer = WindowPointer(head, memory_frames, cell_frames)
        if pointer_enabled(tok, length_pointer, grid, 'length_pointer'):
            head = RunEndPointer(self.decoder.dim, *window_run_end_cells(tok))
            self.decoder.length_pointer = WindowPointer(head, memory_frames, cell_frames)

    def split_frames(self, inputs: Tensor) -> Tensor:
        """(B, N*C, H, W) -> (B, N, C, H, W); raises if channels do not hold N frames."""
        b, channels, h, w = inputs.shape
        n = self.num_frames
        if channels % n:
            raise ValueError(f'Pix2SeqVideoSegmentor: input has {channels} channels, not '
                             f'a multiple of the window length {n}')
        return inputs.view(b, n, channels // n, h, w)

    def embed_frames(self, frames: Tensor) -> Tensor:
        """Frames (F, C, H, W) -> projected feature tokens with 2-D positions (F, M, d)
        on the memory grid (``memory_size``)."""
        return self.embed_features(self._select(self.backbone(frames)))[0]

    def fuse_frames(self, tokens: Tensor) -> Tensor:
        """Encoded frames (B, N, M, d), before the last encoder layer -> (B, M, d):
        frame 0's cells after attending to the other frames' (middle fusion) or each
        cell's N frames concatenated and mapped to d (cell fusion)."""
        if self.fusion == 'cell':
            return self.cell_fuse(tokens.transpose(1, 2).flatten(2))    # (B, M, N*d)
        query = tokens[:, 0]
        if tokens.shape[1] > 1:
            context = (tokens[:, 1:] + self.frame_embed[None, 1:, None]).flatten(1, 2)
            query = self.frame_attn(query + self.frame_embed[0], context)
        return query

    def extract_feat(self, inputs: Tensor) -> Tensor:
        """Windows (B, N*C, H, W) -> decoder memory: (B, M, d) for middle and cell
        fusion, (B, N*M, d) for late fusion."""
        frames = self.split_frames(inputs)
        b, n = frames.shape[:2]
        tokens = self.embed_frames(frames.flatten(0, 1))
        layers = list(self.encoder.layers)
        last: Optional[nn.Module] = layers.pop() if layers else None
        for layer in layers:
            tokens = layer(tokens)
        tokens = tokens.view(b, n, *tokens.shape[1:])
        if self.fusion == 'late':
            if last is not None:
                tokens = last(tokens.flatten(0, 1)).view(tokens.shape)
            memory = self.encoder.norm(tokens) + self.frame_embed[None, :, None]
            return memory.flatten(1, 2)
        query = self.fuse_frames(tokens)
        if last is not None:
            query = last(query)
        return self.encoder.norm(query)
