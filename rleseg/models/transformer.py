"""Transformer encoder and autoregressive decoder of the Pix2Seq model.

The encoder is a pre-norm transformer over the flattened backbone feature tokens
(with a fixed 2-D sine-cosine position code, so any feature size works). The decoder
is a pre-norm autoregressive transformer with learned positions and input/output
embeddings tied (the output projection is the token-embedding matrix).

The decoder supports incremental decoding with a preallocated key/value cache
(:class:`KVCache`): self-attention keys/values live in tensors of shape
``(num_layers, B, heads, L, d_head)`` written in place at the current position,
and the cross-attention keys/values of the encoder memory are computed once.
:meth:`TransformerDecoder.step_at` is the static-shape form of a one-token step: the
position is a device tensor, the token's keys/values are written with ``index_copy_``
and attention runs over all L cache slots with a key mask, so the step has the same
shapes and kernels at every position (what CUDA-graph capture needs).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def sine_position_encoding_2d(height: int, width: int, dim: int,
                              temperature: float = 10000.0,
                              device: Optional[torch.device] = None) -> Tensor:
    """Fixed 2-D sine-cosine position code.

    Args:
        height, width: feature map size (tokens are flattened row-major).
        dim: embedding size, divisible by 4.

    Returns:
        Tensor (height * width, dim): first half encodes the row, second the column.
    """
    if dim % 4 != 0:
        raise ValueError(f'sine_position_encoding_2d: dim={dim} must be divisible by 4')
    quarter = dim // 4
    omega = 1.0 / temperature**(torch.arange(quarter, dtype=torch.float32, device=device) / quarter)
    ys = torch.arange(height, dtype=torch.float32, device=device)[:, None] * omega[None]
    xs = torch.arange(width, dtype=torch.float32, device=device)[:, None] * omega[None]
    row = torch.cat([ys.sin(), ys.cos()], dim=1)  # (H, dim/2)
    col = torch.cat([xs.sin(), xs.cos()], dim=1)  # (W, dim/2)
    code = torch.cat([row[:, None, :].expand(height, width, -1),
                      col[None, :, :].expand(height, width, -1)], dim=2)
    return code.reshape(height * width, dim)


def _dropout(x: Tensor, p: float, training: bool) -> Tensor:
    """Dropout that costs nothing (not even a call into torch) when inactive."""
    return F.dropout(x, p, True) if training and p > 0 else x


class FeedForward(nn.Module):
    """Two-layer MLP with GELU: (..., d) -> (..., d)."""

    def __init__(self, dim: int, hidden: int, dropout: float) -> None:
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)
        self.dropout = dropout

    def forward(self, x: Tensor) -> Tensor:
        x = _dropout(F.gelu(self.fc1(x)), self.dropout, self.training)
        return _dropout(self.fc2(x), self.dropout, self.training)


class TransformerEncoder(nn.Module):
    """Pre-norm transformer encoder over feature tokens.

    Args:
        dim: model width d.
        num_layers: number of layers (0 allowed: the encoder is then only a LayerNorm).
        num_heads: attention heads.
        mlp_dim: hidden size of the MLP.
        dropout: dropout on the residual branches and in the MLP.
        attn_dropout: dropout on the attention probabilities (None: ``dropout``).
    """

    def __init__(self, dim: int, num_layers: int, num_heads: int, mlp_dim: int,
                 dropout: float = 0.0, attn_dropout: Optional[float] = None) -> None:
        super().__init__()
        self.layers = nn.ModuleList([
            nn.TransformerEncoderLayer(dim, num_heads, mlp_dim, dropout, activation='gelu',
                                       batch_first=True, norm_first=True)
            for _ in range(num_layers)
        ])
        if attn_dropout is not None:
            for layer in self.layers:
                layer.self_attn.dropout = attn_dropout
        self.norm = nn.LayerNorm(dim)

    def forward(self, tokens: Tensor) -> Tensor:
        """tokens (B, M, d) -> memory (B, M, d)."""
        for layer in self.layers:
            tokens = layer(tokens)
        return self.norm(tokens)


#: Keys of the decoder's (coordinate pointer, length pointer) heads; None where absent.
PointerKeys = Tuple[Optional[Tensor], Optional[Tensor]]


@dataclass
class KVCache:
    """Preallocated decoder caches for incremental decoding.

    Attributes:
        self_k, self_v: (num_layers, B, heads, L, d_head) self-attention keys/values,
            written in place at each decoded position.
        cross_k, cross_v: (num_layers, B, heads, M, d_head) projected encoder memory.
        length: number of positions already written.
        pointer_keys: keys of the decoder's pointer heads (``pointer``,
            ``length_pointer``; None for a head that is absent), or None without heads.
    """

    self_k: Tensor
    self_v: Tensor
    cross_k: Tensor
    cross_v: Tensor
    length: int = 0
    pointer_keys: Optional[PointerKeys] = None


class DecoderLayer(nn.Module):
    """Pre-norm decoder layer: causal self-attention, cross-attention, MLP.

    Args:
        dim, num_heads, mlp_dim: sizes.
        dropout: dropout on the residual branches and in the MLP.
        attn_dropout: dropout on the attention probabilities (None: ``dropout``).
    """

    def __init__(self, dim: int, num_heads: int, mlp_dim: int, dropout: float,
                 attn_dropout: Optional[float] = None) -> None:
        super().__init__()
        if dim % num_heads != 0:
            raise ValueError(f'DecoderLayer: dim={dim} not divisible by num_heads={num_heads}')
        self.num_heads = num_heads
        self.head_dim = dim // num_heads
        self.dropout = dropout
        self.attn_dropout = dropout if attn_dropout is None else attn_dropout
        self.norm1 = nn.LayerNorm(dim)
        self.self_qkv = nn.Linear(dim, 3 * dim)
        self.self_out = nn.Linear(dim, dim)
        self.norm2 = nn.LayerNorm(dim)
        self.cross_q = nn.Linear(dim, dim)
        self.cross_kv = nn.Linear(dim, 2 * dim)
        self.cross_out = nn.Linear(dim, dim)
        self.norm3 = nn.LayerNorm(dim)
        self.mlp = FeedForward(dim, mlp_dim, dropout)

    def _heads(self, x: Tensor) -> Tensor:
        """(B, T, d) -> (B, heads, T, d_head)."""
        b, t, _ = x.shape
        return x.view(b, t, self.num_heads, self.head_dim).transpose(1, 2)

    def _qkv(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """(B, T, d) -> q, k, v each (B, heads, T, d_head) from one projection."""
        b, t, _ = x.shape
        qkv = self.self_qkv(x).view(b, t, 3, self.num_heads, self.head_dim)
        return qkv.permute(2, 0, 3, 1, 4).unbind(0)

    def _merge(self, x: Tensor) -> Tensor:
        """(B, heads, T, d_head) -> (B, T, d)."""
        b, _, t, _ = x.shape
        return x.transpose(1, 2).reshape(b, t, self.num_heads * self.head_dim)

    def memory_kv(self, memory: Tensor) -> tuple[Tensor, Tensor]:
        """memory (B, M, d) -> keys, values (B, heads, M, d_head)."""
        k, v = self.cross_kv(memory).chunk(2, dim=-1)
        return self._heads(k), self._heads(v)

    def forward(self, x: Tensor, cross_k: Tensor, cross_v: Tensor,
                cache_k: Optional[Tensor] = None, cache_v: Optional[Tensor] = None,
                start: int = 0) -> Tensor:
        """One layer.

        Args:
            x: (B, T, d) inputs at positions start .. start+T-1.
            cross_k, cross_v: (B, heads, M, d_head) projected memory.
            cache_k, cache_v: (B, heads, L, d_head) views of this layer's cache or None
                (then attention is causal over x only, and ``start`` must be 0).
            start: position of x[:, 0].

        Returns:
            (B, T, d).
        """
        t = x.shape[1]
        q, k, v = self._qkv(self.norm1(x))
        if cache_k is not None:
            end = start + t
            cache_k[:, :, start:end] = k
            cache_v[:, :, start:end] = v
            k, v = cache_k[:, :, :end], cache_v[:, :, :end]
        elif start != 0:
            raise ValueError('DecoderLayer.forward: start > 0 needs a KV cache')
        drop = self.attn_dropout if self.training else 0.0
        if t == 1:
            attn = F.scaled_dot_product_attention(q, k, v, dropout_p=drop)
        elif start == 0:
            attn = F.scaled_dot_product_attention(q, k, v, dropout_p=drop, is_causal=True)
        else:
            qpos = torch.arange(start, start + t, device=x.device)[:, None]
            kpos = torch.arange(start + t, device=x.device)[None, :]
            attn = F.scaled_dot_product_attention(q, k, v, attn_mask=kpos <= qpos,
                                                  dropout_p=drop)
        return self._cross_and_mlp(x, attn, cross_k, cross_v)

    def forward_at(self, x: Tensor, cross_k: Tensor, cross_v: Tensor, cache_k: Tensor,
                   cache_v: Tensor, position: Tensor, key_mask: Tensor) -> Tensor:
        """One token at a device position, with static shapes (inference only).

        Args:
            x: (B, 1, d) input at ``position``.
            cross_k, cross_v: (B, heads, M, d_head) projected memory.
            cache_k, cache_v: (B, heads, L, d_head) this layer's cache; the token's
                keys/values are written at ``position``. Slots not yet written must be
                finite (the masked attention multiplies them by 0).
            position: (1,) long tensor.
            key_mask: (1, L) bool, True for the slots 0 .. position.

        Returns:
            (B, 1, d).
        """
        q, k, v = self._qkv(self.norm1(x))
        cache_k.index_copy_(2, position, k)
        cache_v.index_copy_(2, position, v)
        attn = F.scaled_dot_product_attention(q, cache_k, cache_v, attn_mask=key_mask)
        return self._cross_and_mlp(x, attn, cross_k, cross_v)

    def _cross_and_mlp(self, x: Tensor, attn: Tensor, cross_k: Tensor,
                       cross_v: Tensor) -> Tensor:
        """Rest of the layer after self-attention: residual, cross-attention, MLP."""
        x = x + _dropout(self.self_out(self._merge(attn)), self.dropout, self.training)
        q = self._heads(self.cross_q(self.norm2(x)))
        attn = F.scaled_dot_product_attention(
            q, cross_k, cross_v, dropout_p=self.attn_dropout if self.training else 0.0)
        x = x + _dropout(self.cross_out(self._merge(attn)), self.dropout, self.training)
        return x + self.mlp(self.norm3(x))


class TransformerDecoder(nn.Module):
    """Autoregressive token decoder with learned positions and tied embeddings.

    Args:
        vocab_size: V, number of token ids.
        max_len: L, maximum sequence length (positions).
        dim, num_layers, num_heads, mlp_dim, dropout: transformer sizes.
        attn_dropout: dropout on the attention probabilities (None: ``dropout``).
    """

    def __init__(self, vocab_size: int, max_len: int, dim: int, num_layers: int,
                 num_heads: int, mlp_dim: int, dropout: float = 0.0,
                 attn_dropout: Optional[float] = None) -> None:
        super().__init__()
        self.vocab_size = vocab_size
        self.max_len = max_len
        self.dim = dim
        self.num_heads = num_heads
        self.token_embed = nn.Embedding(vocab_size, dim)
        self.pos_embed = nn.Parameter(torch.zeros(max_len, dim))
        self.layers = nn.ModuleList(
            [DecoderLayer(dim, num_heads, mlp_dim, dropout, attn_dropout)
             for _ in range(num_layers)])
        self.norm = nn.LayerNorm(dim)
        self.out_bias = nn.Parameter(torch.zeros(vocab_size))
        self.dropout = dropout
        # optional heads adding memory-dependent logits (see rleseg.models.coordinates):
        # keys(memory) -> keys once per image, then per position
        # pointer(normed h, keys, logits) and length_pointer(normed h, keys, logits,
        # input ids) -> logits
        self.pointer: Optional[nn.Module] = None
        self.length_pointer: Optional[nn.Module] = None
        nn.init.normal_(self.token_embed.weight, std=dim**-0.5)
        nn.init.normal_(self.pos_embed, std=0.02)

    def _embed(self, tokens: Tensor, start: int) -> Tensor:
        t = tokens.shape[1]
        if start + t > self.max_len:
            raise ValueError(f'TransformerDecoder: position {start + t} exceeds max_len '
                             f'{self.max_len}')
        return _dropout(self.token_embed(tokens) * math.sqrt(self.dim)
                        + self.pos_embed[start:start + t], self.dropout, self.training)

    def _logits(self, h: Tensor, tokens: Tensor,
                pointer_keys: Optional[PointerKeys] = None) -> Tensor:
        """States (B, T, d) and the input ids at them (B, T) -> logits (B, T, V)."""
        h = self.norm(h)
        logits = F.linear(h, self.token_embed.weight, self.out_bias)
        if pointer_keys is None:
            return logits
        coordinate_keys, end_keys = pointer_keys
        if coordinate_keys is not None:
            logits = self.pointer(h, coordinate_keys, logits)
        if end_keys is not None:
            logits = self.length_pointer(h, end_keys, logits, tokens)
        return logits

    def _pointer_keys(self, memory: Tensor) -> Optional[PointerKeys]:
        if self.pointer is None and self.length_pointer is None:
            return None
        return tuple(None if head is None else head.keys(memory)
                     for head in (self.pointer, self.length_pointer))

    def forward(self, tokens: Tensor, memory: Tensor, last_only: bool = False) -> Tensor:
        """Teacher-forced / full-prefix decoding.

        Args:
            tokens: (B, T) input ids (T <= L).
            memory: (B, M, d) encoder output.
            last_only: project only the last position to the vocabulary.

        Returns:
            logits (B, T, V) (row t predicts token t+1), or (B, 1, V) with last_only.
        """
        h = self._embed(tokens, 0)
        for layer in self.layers:
            ck, cv = layer.memory_kv(memory)
            h = layer(h, ck, cv)
        if last_only:
            h, tokens = h[:, -1:], tokens[:, -1:]
        return self._logits(h, tokens, self._pointer_keys(memory))

    def init_cache(self, memory: Tensor, max_len: Optional[int] = None) -> KVCache:
        """Allocate the self-attention cache and project the memory once.

        Args:
            memory: (B, M, d).
            max_len: positions to allocate (default L).
        """
        length = max_len or self.max_len
        b = memory.shape[0]
        n = len(self.layers)
        head_dim = self.dim // self.num_heads
        shape = (n, b, self.num_heads, length, head_dim)
        cross = [layer.memory_kv(memory) for layer in self.layers]
        # zeros, not empty: step_at attends over unwritten slots with weight 0
        return KVCache(
            self_k=memory.new_zeros(shape), self_v=memory.new_zeros(shape),
            cross_k=torch.stack([c[0] for c in cross]),
            cross_v=torch.stack([c[1] for c in cross]),
            pointer_keys=self._pointer_keys(memory))

    def step(self, tokens: Tensor, cache: KVCache) -> Tensor:
        """Incremental decoding: feed ``tokens`` at positions cache.length ...

        Args:
            tokens: (B, T) new input ids (T=1 per generation step; T>1 for a prompt).
            cache: KVCache from :meth:`init_cache`; its length advances by T.

        Returns:
            logits (B, T, V) for the fed positions.
        """
        start = cache.length
        h = self._embed(tokens, start)
        for i, layer in enumerate(self.layers):
            h = layer(h, cache.cross_k[i], cache.cross_v[i], cache.self_k[i],
                      cache.self_v[i], start)
        cache.length = start + tokens.shape[1]
        return self._logits(h, tokens, cache.pointer_keys)

    def step_at(self, tokens: Tensor, position: Tensor, cache: KVCache) -> Tensor:
        """Static-shape incremental step (inference): one token per row at a device
        position.

        Unlike :meth:`step`, nothing is read back to the host and ``cache.length`` is
        left alone: the caller owns the position. Same logits as :meth:`step` up to
        float rounding (attention sums over L masked slots instead of position + 1).

        Args:
            tokens: (B, 1) input ids.
            position: (1,) long tensor, 0 <= position < L of the cache.
            cache: KVCache from :meth:`init_cache`.

        Returns:
            logits (B, 1, V).
        """
        slots = torch.arange(cache.self_k.shape[3], device=position.device)
        key_mask = (slots <= position)[None]  # (1, L): one query, L slots
        h = (self.token_embed(tokens) * math.sqrt(self.dim)
             + self.pos_embed.index_select(0, position))
        for i, layer in enumerate(self.layers):
            h = layer.forward_at(h, cache.cross_k[i], cache.cross_v[i], cache.self_k[i],
                                 cache.self_v[i], position, key_mask)
        return self._logits(h, tokens, cache.pointer_keys)
