"""Pix2Seq video segmentor: a window of N frames in, the window's RLE sequence out.

Every frame goes through the shared backbone, input projection and transformer
encoder of :class:`~rleseg.models.Pix2SeqSegmentor`; the frames are fused before the
decoder, which generates the window's ``3d-*``, ``tac`` or ``ltac`` sequence:

* ``'middle'`` fusion: in the last encoder layer, the tokens of frame 0 cross-attend
  to the tokens of every other frame (tagged with learned frame embeddings); the
  decoder reads frame 0's M tokens.
* ``'late'`` fusion: every frame is encoded on its own; the decoder reads all N*M
  tokens, each plus its learned frame embedding.

Inputs are the window's frames stacked along channels, (B, N*C, H, W) (frame t is
channels t*C .. t*C+C-1), as ``FormatWindow(layout='channels')`` + ``PackSegInputs``
produce them. Training, generation, decoding and sliding-window inference are the
parent's; predictions are (N, H, W) per window and are merged back into frames by
:class:`~rleseg.evaluation.VideoFrameMetric`.
"""
from __future__ import annotations

from typing import Optional

import torch
from mmseg.registry import MODELS
from torch import Tensor, nn

from .segmentor import Pix2SeqSegmentor

FUSIONS = ('middle', 'late')


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


@MODELS.register_module()
class Pix2SeqVideoSegmentor(Pix2SeqSegmentor):
    """Pix2Seq over windows of frames with middle or late frame fusion.

    Args:
        tokenizer: a window tokenizer config (``3d-bin`` / ``3d-mc`` / ``3d-lac`` /
            ``tac`` / ``ltac``); its ``window`` is the number of frames N.
        fusion: ``'middle'`` or ``'late'`` (see the module docstring).
        **kwargs: :class:`Pix2SeqSegmentor` arguments (backbone, d_model, encoder,
            decoder, loss, test_cfg, data_preprocessor with N-times repeated
            ``mean`` / ``std`` and ``bgr_to_rgb=False``, ...).
    """

    def __init__(self, tokenizer: dict, fusion: str = 'late', **kwargs) -> None:
        if kwargs.get('auxiliary_head') is not None:
            raise ValueError('Pix2SeqVideoSegmentor: auxiliary_head is not supported (a '
                             "window's gt_sem_seg holds N frames); set it to None")
        super().__init__(tokenizer=tokenizer, **kwargs)
        if fusion not in FUSIONS:
            raise ValueError(f'Pix2SeqVideoSegmentor: fusion must be one of {FUSIONS}, '
                             f'got {fusion!r}')
        self.fusion = fusion
        self.num_frames = int(self.tokenizer.window)
        dim = self.decoder.dim
        self.frame_embed = nn.Parameter(torch.zeros(self.num_frames, dim))
        nn.init.normal_(self.frame_embed, std=0.02)
        if fusion == 'middle':
            layers = self.encoder.layers
            heads = (layers[0].self_attn.num_heads if len(layers) else
                     self.decoder.num_heads)
            dropout = layers[0].dropout.p if len(layers) else 0.0
            self.frame_attn = FrameCrossAttention(dim, heads, dropout)

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

    def extract_feat(self, inputs: Tensor) -> Tensor:
        """Windows (B, N*C, H, W) -> decoder memory: (B, M, d) for middle fusion,
        (B, N*M, d) for late fusion."""
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
        query = tokens[:, 0]
        if n > 1:
            context = (tokens[:, 1:] + self.frame_embed[None, 1:, None]).flatten(1, 2)
            query = self.frame_attn(query + self.frame_embed[0], context)
        if last is not None:
            query = last(query)
        return self.encoder.norm(query)
