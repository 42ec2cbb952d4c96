"""Token generation: sampling, grammar-constrained decoding and the KV-cached loop.

* :func:`sample_next` picks one token per row from logits: greedy, temperature,
  top-k and top-p (nucleus), with no host synchronisation and static shapes (the
  nucleus is found by a radix select over the probabilities' float bits,
  :func:`nucleus_threshold`, instead of a sort).
* :class:`RunGrammar` is the token-type grammar of an RLE sequence, built from a
  tokenizer (:meth:`RunGrammar.from_tokenizer`): a run is a fixed tuple of fields
  (``tok.run_fields``, e.g. start/length, start/length/class, row/col/lac); a run
  must start after the previous run's last pixel (start >= previous start + length),
  its length must keep it inside the mask, EOS is legal only at a run boundary, nothing but PAD
  follows EOS, and EOS is forced when no complete run fits before L. It keeps a small
  per-sequence state (phase within the run, partial start, previous run end) as
  tensors and turns it into a (B, V) mask of legal ids with a few vectorised
  comparisons (no Python loop over the batch or the vocabulary); the loop sets the
  logits of illegal ids to ``-inf``.
* :func:`generate` runs the decoder autoregressively, with the KV cache or by
  recomputing the whole prefix at every step, stopping each sequence at EOS and the
  loop when all have stopped. ``impl='static'`` (the default on CUDA) runs the
  static-shape step of :mod:`rleseg.models.static_decode` instead, ``impl='graph'``
  the same step captured as a CUDA graph on CUDA: same tokens, no host round trip
  per step.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional, Sequence, Union

import numpy as np
import torch
from torch import Tensor

from .static_decode import StaticDecodeLoop

# Field kinds of the run grammar.
COORD, LENGTH, CLASS = 0, 1, 2
_NEG_INF = float('-inf')
# Radix select of the nucleus threshold: (shift, width) of the digits of a float32's
# bit pattern, most significant first (non-negative floats order like their bits).
_RADIX = ((21, 11), (10, 11), (0, 10))
_KEY = 1 << 40  # key stride between fields (> any coordinate or length value)
Position = Union[int, Tensor]  # a sequence position: host int or (1,) device tensor


# --------------------------------------------------------------------------- sampling
@dataclass
class SamplingConfig:
    """How the next token is chosen.

    Attributes:
        strategy: 'greedy' (argmax) or 'sample' (multinomial after temperature,
            top-k and top-p filtering). Paper default: 'sample' with top_p 0.4.
        temperature: logits are divided by it before sampling (> 0).
        top_k: keep only the k most likely tokens (0: off).
        top_p: keep the smallest set of tokens whose probability mass >= top_p (1.0: off).
    """

    strategy: str = 'sample'
    temperature: float = 1.0
    top_k: int = 0
    top_p: float = 0.4

    def __post_init__(self) -> None:
        if self.strategy not in ('greedy', 'sample'):
            raise ValueError(f"SamplingConfig.strategy must be 'greedy' or 'sample', "
                             f'got {self.strategy!r}')
        if self.temperature <= 0:
            raise ValueError(f'SamplingConfig.temperature must be > 0, got {self.temperature}')
        if not 0.0 < self.top_p <= 1.0:
            raise ValueError(f'SamplingConfig.top_p must be in (0, 1], got {self.top_p}')
        if self.top_k < 0:
            raise ValueError(f'SamplingConfig.top_k must be >= 0, got {self.top_k}')


def sample_next(logits: Tensor, cfg: SamplingConfig,
                generator: Optional[torch.Generator] = None) -> Tensor:
    """Pick the next token of every row, without a host synchronisation.

    * greedy: argmax;
    * top-k (0 < k < V): the k most likely tokens, renormalised, then top-p among them;
    * top-p < 1 alone: the nucleus, i.e. every token whose more likely tokens hold a
      mass < top_p (:func:`nucleus_threshold`; tokens tied with the least likely member
      are all kept), drawn through its cumulative sum with one uniform per row;
    * neither: the full softmax.

    Args:
        logits: (B, V) float; disallowed tokens may already be ``-inf``.
        cfg: sampling configuration.
        generator: RNG for reproducible sampling.

    Returns:
        LongTensor (B,).
    """
    if cfg.strategy == 'greedy':
        return logits.argmax(dim=-1)
    logits = logits / cfg.temperature
    if 0 < cfg.top_k < logits.shape[-1]:
        values, index = logits.topk(cfg.top_k, dim=-1)  # sorted, most likely first
        probs = values.softmax(dim=-1)
        if cfg.top_p < 1.0:
            # Keep a token if the mass strictly before it is < top_p (the top token always).
            probs = probs.masked_fill(probs.cumsum(dim=-1) - probs >= cfg.top_p, 0.0)
        return index.gather(-1, _draw(probs, generator)[:, None]).squeeze(-1)
    probs = logits.softmax(dim=-1)
    if cfg.top_p >= 1.0:
        return _draw(probs, generator)
    outside = probs.view(torch.int32) < nucleus_threshold(probs, cfg.top_p)
    return _draw_cumulative(probs.masked_fill(outside, 0.0), generator)


def nucleus_threshold(probs: Tensor, top_p: float) -> Tensor:
    """Float bits of the least likely nucleus member of every row, without sorting.

    The nucleus is the set of tokens whose more likely tokens hold a mass < top_p, so
    it is ``{i : probs[i] >= tau}`` for the value ``tau`` at which the mass counted
    from the top first reaches top_p. Non-negative float32 values order like their
    int32 bit patterns, so ``tau`` is found digit by digit (radix select, ``_RADIX``):
    each pass scatters the mass of the tokens into one bin per value of the next digit
    (one bin below and one above the range fixed so far) and keeps the digit where the
    mass from the top reaches top_p. Three passes over (B, V), static shapes, no host
    synchronisation. Exact up to the float rounding of the mass sums (a token whose
    preceding mass is within ~1e-6 of top_p may fall on either side, as with a sort).

    Args:
        probs: (B, V) float32 probabilities (rows sum to 1), contiguous.
        top_p: nucleus mass, in (0, 1).

    Returns:
        (B, 1) int32: compare with ``probs.view(torch.int32)``.
    """
    bits = probs.view(torch.int32)
    tau = torch.zeros((probs.shape[0], 1), dtype=torch.int32, device=probs.device)
    for shift, width in _RADIX:
        size = 1 << width
        # bin 0: below the range fixed so far, 1 + d: digit d, size + 1: above it
        digit = ((bits >> shift) - (tau << width)).clamp_(-1, size).add_(1).long()
        mass = probs.new_zeros(probs.shape[0], size + 2).scatter_add_(1, digit, probs)
        reached = mass[:, 1:].flip(1).cumsum(1) >= top_p  # column j: digit size - j
        reached[:, 0] = False  # the mass above the range is < top_p (up to rounding)
        reached[:, -1] = True  # and the range holds the crossing (idem)
        tau = (tau << width) + (size - reached.byte().argmax(1, keepdim=True))
    return tau


def _draw(probs: Tensor, generator: Optional[torch.Generator]) -> Tensor:
    """One index per row with probability proportional to ``probs`` (B, K) (unnormalised,
    >= 0): the exponential race argmax(p / E), E ~ Exp(1), which is much cheaper than
    ``torch.multinomial`` on CPU."""
    race = torch.empty_like(probs).exponential_(generator=generator)
    # E can be exactly 0 (float resolution): keep 0 / E finite for excluded tokens.
    race.clamp_(min=torch.finfo(race.dtype).tiny)
    return (probs / race).argmax(dim=-1)


def _draw_cumulative(weights: Tensor, generator: Optional[torch.Generator]) -> Tensor:
    """One index per row with probability proportional to ``weights`` (B, V) (>= 0, some
    > 0 per row): one uniform per row located in the cumulative sum (vocabulary order),
    B random numbers instead of the race's B * V."""
    cdf = weights.cumsum(dim=-1)
    total = cdf[:, -1:]
    u = torch.rand(total.shape, generator=generator, dtype=cdf.dtype, device=cdf.device)
    # below the total in float, so the first cdf entry > u has a positive weight
    u = torch.minimum(u * total, torch.nextafter(total, torch.zeros_like(total)))
    return torch.searchsorted(cdf, u, right=True).squeeze(-1)


# --------------------------------------------------------------------------- grammar
@dataclass(frozen=True)
class GrammarField:
    """One token field of a run.

    Attributes:
        name: the tokenizer's field name (e.g. 'start', 'row', 'length', 'lac', 'class').
        kind: COORD (a start coordinate), LENGTH (carries the run length: length or
            lac) or CLASS (no positional constraint).
        ids: (n,) token ids of the field.
        values: (n,) for COORD the coordinate value (0-based), for LENGTH the run
            length (>= 1), for CLASS the class.
        size: COORD only: number of coordinate values (radix).
        weight: COORD only: what one unit of the coordinate adds to the flat start.
    """

    name: str
    kind: int
    ids: np.ndarray
    values: np.ndarray
    size: int = 0
    weight: int = 0


@dataclass
class GrammarState:
    """Per-sequence grammar state, all tensors (B,).

    phase: index of the field expected next; partial: start index accumulated from
    the coordinate fields of the current run; min_start: first legal start of the
    next run (the previous run's end); done: EOS/PAD emitted.
    """

    phase: Tensor
    partial: Tensor
    min_start: Tensor
    done: Tensor

    def select(self, index: Tensor) -> 'GrammarState':
        """Keep rows ``index``."""
        return GrammarState(self.phase[index], self.partial[index], self.min_start[index],
                            self.done[index])


class RunGrammar:
    """Token-type grammar of RLE run sequences, evaluated with tensor ops.

    Coordinate fields are mixed-radix digits of the run's start index in the
    tokenizer's scan order, each with its weight (e.g. row-major 2-D starts: row
    weight W, column weight 1; column-major: row 1, column H), in any token order,
    so flat starts, 2-D and frame/row/col starts are handled alike. A digit is legal
    when some completion of the digits still to come puts the start at or after the
    previous run's end, which makes the constraint exact.

    Args:
        fields: the run's fields in token order.
        vocab_size: V.
        eos_id, pad_id: special token ids.
        num_positions: number of scan positions (frames * H * W).
    """

    #: Tokens that must follow a run besides EOS (a group's closing class token).
    closing_tokens = 0

    def __init__(self, fields: Sequence[GrammarField], vocab_size: int, eos_id: int,
                 pad_id: int, num_positions: int) -> None:
        coords = [f for f in fields if f.kind == COORD]
        if not coords or not any(f.kind == LENGTH for f in fields):
            raise ValueError('RunGrammar: a run needs start and length fields, got '
                             f'{[f.name for f in fields]}')
        if fields[0].kind != COORD:
            raise ValueError(f'RunGrammar: a run must begin with its start, got '
                             f'{[f.name for f in fields]}')
        if int(np.prod([f.size for f in coords])) != num_positions or any(
                f.weight < 1 for f in coords):
            raise ValueError(f'RunGrammar: coordinate sizes {[f.size for f in coords]} and '
                             f'weights {[f.weight for f in coords]} do not span '
                             f'{num_positions} positions')
        self.fields = tuple(fields)
        self.vocab_size = vocab_size
        self.eos_id = eos_id
        self.pad_id = pad_id
        self.num_positions = num_positions
        field_of_id = np.full(vocab_size, -1, dtype=np.int64)
        value_of_id = np.zeros(vocab_size, dtype=np.int64)
        for i, f in enumerate(fields):
            if (field_of_id[f.ids] != -1).any():
                raise ValueError(f'RunGrammar: ids of field {f.name!r} overlap another field')
            field_of_id[f.ids] = i
            value_of_id[f.ids] = f.values
        # Largest amount the coordinate digits after field i can still add to the start.
        slack = [sum((g.size - 1) * g.weight for g in fields[i + 1:] if g.kind == COORD)
                 for i in range(len(fields))]
        # One sortable key per id: field index * _KEY + value (CLASS values count as 0;
        # -1 for ids outside the runs), so "field == phase and lo <= value <= hi" is the
        # single interval test key in [phase * _KEY + lo, phase * _KEY + hi].
        is_class = np.isin(np.arange(vocab_size), np.concatenate(
            [f.ids for f in fields if f.kind == CLASS] + [np.zeros(0, np.int64)]))
        key = np.where(field_of_id >= 0,
                       field_of_id * _KEY + np.where(is_class, 0, value_of_id), -1)
        # Per field: is_coord, weight, slack, static lower / upper value bound, and the
        # offset that switches the "length fits before the end" bound off.
        params = [[int(f.kind == COORD), max(f.weight, 1), slack[i], int(f.kind == LENGTH),
                   f.size - 1 if f.kind == COORD else _KEY - 1,
                   0 if f.kind == LENGTH else _KEY] for i, f in enumerate(fields)]
        self._tables = dict(
            field_of_id=torch.from_numpy(field_of_id),
            value_of_id=torch.from_numpy(value_of_id),
            key=torch.from_numpy(key.astype(np.int64)),
            params=torch.tensor(params, dtype=torch.int64),
            kind=torch.tensor([f.kind for f in fields]),
            weight=torch.tensor([max(f.weight, 1) for f in fields], dtype=torch.int64),
        )
        self._device = torch.device('cpu')

    @property
    def run_length(self) -> int:
        """Tokens per run (F)."""
        return len(self.fields)

    # .................................................................. building
    @classmethod
    def from_tokenizer(cls, tok) -> 'RunGrammar':
        """Build the grammar of an ``rleseg.tokenizers`` run tokenizer.

        Everything comes from the tokenizer: ``run_fields`` and ``start_fields`` (field
        order), ``layout`` (id ranges, values), ``start_index`` (coordinate weights) and
        ``field_values`` (run length / class carried by 'length' / 'lac' / 'class' ids).
        """
        layout = tok.layout
        fields_of_run = tuple(tok.run_fields)
        extra = sorted(set(layout.ranges) - set(fields_of_run))
        if extra:
            raise ValueError(f'RunGrammar: scheme {tok.scheme!r} has tokens outside its runs '
                             f'({extra}); use constrained=False for it')
        starts = tuple(tok.start_fields)
        lo = {name: layout.ranges[name][0] for name in fields_of_run}
        origin = tok.start_index(*[lo[n] for n in starts])
        fields = []
        for name in fields_of_run:
            ids = np.arange(*layout.ranges[name], dtype=np.int64)
            if name in starts:
                unit = [lo[n] + (1 if n == name else 0) for n in starts]
                fields.append(GrammarField(name, COORD, ids, layout.to_value(name, ids),
                                           size=len(ids),
                                           weight=int(tok.start_index(*unit) - origin)))
                continue
            _, length, cls_ = tok.field_values(name)
            if name in ('length', 'lac'):
                fields.append(GrammarField(name, LENGTH, ids, length))
            else:
                fields.append(GrammarField(name, CLASS, ids, cls_))
        return cls(fields, layout.vocab_size, layout.eos_id, layout.pad_id,
                   int(tok.num_pixels))

    # .................................................................. tensors
    def to(self, device: torch.device) -> 'RunGrammar':
        """Move the lookup tables to ``device`` (in place; returns self)."""
        device = torch.device(device)
        if device != self._device:
            self._tables = {k: v.to(device) for k, v in self._tables.items()}
            self._device = device
        return self

    def init_state(self, batch_size: int, device: torch.device) -> GrammarState:
        """State before the first run token (after the task token)."""
        self.to(device)
        zeros = torch.zeros(batch_size, dtype=torch.int64, device=device)
        return GrammarState(zeros, zeros.clone(), zeros.clone(),
                            torch.zeros(batch_size, dtype=torch.bool, device=device))

    def fits_run(self, position: Position, max_len: int) -> Union[bool, Tensor]:
        """Whether a run started at ``position`` still fits before L together with
        the tokens that must follow it (closing tokens, EOS): where it does not,
        :meth:`allowed` leaves EOS as the only choice at a run boundary. A bool, or a
        bool tensor for a tensor position."""
        return position + self.run_length + self.closing_tokens <= max_len - 1

    def allowed(self, state: GrammarState, position: Position, max_len: int) -> Tensor:
        """Which ids may be emitted at ``position``.

        Args:
            state: current state (B,).
            position: index in the sequence of the token being generated: an int, or a
                (1,) long tensor on the state's device (static-shape decoding: no host
                round trip).
            max_len: L; a run is only started if it fits before L (:meth:`fits_run`).

        Returns:
            BoolTensor (B, V).
        """
        t = self._tables
        phase = state.phase
        is_coord, weight, slack, lo_static, hi_static, hi_off = t['params'][phase].unbind(1)
        # Smallest digit v with partial + v * weight + slack >= previous run's end.
        need = state.min_start - state.partial - slack
        coord_lo = (-torch.div(-need, weight, rounding_mode='floor')).clamp_(min=0)
        lo = torch.maximum(coord_lo * is_coord, lo_static)
        # A run length must keep the run inside the grid.
        hi = torch.minimum(hi_static, self.num_positions - state.partial + hi_off)
        base = phase * _KEY
        boundary = phase == 0
        fits = self.fits_run(position, max_len)
        no_room = ~fits if isinstance(fits, Tensor) else not fits
        blocked = state.done | boundary & (no_room | (state.min_start >= self.num_positions))
        hi = torch.where(blocked, -2, base + hi)
        key = t['key'][None, :]
        ok = (key >= (base + lo)[:, None]) & (key <= hi[:, None])
        ok[:, self.eos_id] = boundary & ~state.done
        ok[:, self.pad_id] = state.done
        return ok

    def bias(self, state: GrammarState, position: Position, max_len: int) -> Tensor:
        """Additive logits bias (B, V): 0 where allowed, -inf elsewhere."""
        ok = self.allowed(state, position, max_len)
        return torch.zeros(ok.shape, device=ok.device).masked_fill_(~ok, _NEG_INF)

    def advance(self, state: GrammarState, tokens: Tensor) -> None:
        """Update ``state`` in place after emitting ``tokens`` (B,)."""
        t = self._tables
        is_coord, weight, _, is_len, _, _ = t['params'][state.phase].unbind(1)
        value = t['value_of_id'][tokens]
        in_run = (t['field_of_id'][tokens] == state.phase) & ~state.done
        step = in_run.long()
        state.partial += value * weight * is_coord * step
        state.min_start.copy_(torch.where(in_run & (is_len == 1), state.partial + value,
                                          state.min_start))
        state.phase += step
        wrap = state.phase == self.run_length
        state.phase.masked_fill_(wrap, 0)
        state.partial.masked_fill_(wrap, 0)
        state.done |= (tokens == self.eos_id) | (tokens == self.pad_id)

    def accepts(self, tokens: Sequence[int], max_len: Optional[int] = None) -> bool:
        """Whether a run-token sequence (without the task token, up to EOS) is legal.

        Used to check the grammar against the tokenizer's own encodings.
        """
        ids = torch.as_tensor(list(tokens), dtype=torch.int64)
        max_len = max_len if max_len is not None else len(ids) + 1
        state = self.init_state(1, self._device)
        for i, token in enumerate(ids.to(self._device)):
            if not bool(self.allowed(state, i + 1, max_len)[0, token]):
                return False
            self.advance(state, token[None])
            if bool(state.done[0]):
                return True
        return bool(state.phase[0] == 0)


# --------------------------------------------------------------------------- loop
LogitsProcessor = Callable[[Position, Tensor], Tensor]


def eos_bias_processor(eos_id: int, bias: float) -> Optional[LogitsProcessor]:
    """A logits processor that adds ``bias`` (logit units) to EOS at every step, or None
    for a bias of 0.

    Under greedy decoding a sequence stops where the EOS logit plus ``bias`` is the
    highest of the allowed ids; a negative bias makes the model less eager to stop (its
    odds of stopping, p(EOS) / (1 - p(EOS)), are multiplied by ``exp(bias)``). The grammar
    is applied after it, so EOS stays illegal inside a run and forced where no further
    run fits: every biased sequence still decodes to a valid mask.

    Raises:
        ValueError: ``bias`` is not a finite number (test_cfg.eos_bias).
    """
    if isinstance(bias, bool) or not isinstance(bias, (int, float)) or \
            not np.isfinite(bias):
        raise ValueError(f'test_cfg.eos_bias must be a finite number (logit offset of EOS), '
                         f'got {bias!r}')
    if bias == 0:
        return None
    offset = float(bias)

    def add_bias(position: Position, logits: Tensor) -> Tensor:
        shifted = logits.clone()
        shifted[:, eos_id] += offset
        return shifted

    return add_bias


IMPLS = ('auto', 'eager', 'static', 'graph')
#: impl chosen by impl='auto' per device type (others: 'eager'). 'graph' is opt-in until
#: a GPU run has confirmed its tokens and speed (benchmarks/gpu/paper_scale.sh).
DEFAULT_IMPL = {'cuda': 'static', 'cpu': 'eager'}
#: host check of "all rows done" every this many static steps, per device type: a read
#: costs nothing on the CPU, a synchronisation on a GPU.
CHECK_EVERY = {'cuda': 16, 'cpu': 1}


def resolve_impl(impl: str, device: torch.device, use_cache: bool) -> str:
    """The decoding implementation :func:`generate` runs for ``impl`` on ``device``."""
    if impl not in IMPLS:
        raise ValueError(f'generate: impl must be one of {IMPLS}, got {impl!r}')
    if impl == 'auto':
        impl = DEFAULT_IMPL.get(device.type, 'eager') if use_cache else 'eager'
    if impl != 'eager' and not use_cache:
        raise ValueError(f"generate: impl={impl!r} needs use_cache=True (the static step "
                         'decodes from the KV cache)')
    return impl


@torch.inference_mode()
def generate(decoder, memory: Tensor, prompt: Tensor, max_len: int, eos_id: int,
             pad_id: int, sampling: SamplingConfig = SamplingConfig(),
             grammar: Optional[RunGrammar] = None, use_cache: bool = True,
             stop_at_eos: bool = True, generator: Optional[torch.Generator] = None,
             logits_processor: Optional[LogitsProcessor] = None, impl: str = 'auto',
             check_every: Optional[int] = None) -> Tensor:
    """Autoregressive generation.

    Args:
        decoder: a :class:`~rleseg.models.transformer.TransformerDecoder`.
        memory: (B, M, d) encoder output.
        prompt: (B, P) prompt ids (the task token, P=1).
        max_len: L, total sequence length including the prompt.
        eos_id, pad_id: special ids; a row is finished after EOS (or PAD) and is
            padded with PAD from then on.
        sampling: next-token rule.
        grammar: constrain every step to the tokens that can legally follow.
        use_cache: KV-cached incremental decoding, one
            :meth:`~rleseg.models.transformer.TransformerDecoder.step_at` per token in
            every ``impl`` (else the full prefix is recomputed at every step; the same
            result up to float rounding, for checks and benchmarks).
        stop_at_eos: stop as soon as every row has finished (else always run to L).
        generator: RNG for sampling.
        logits_processor: optional ``f(position, logits) -> logits`` applied before the
            grammar (benchmarks use it to force EOS at a chosen length); ``position`` is
            an int in the eager loop and a (1,) long device tensor in the static one.
        impl: 'eager' (this loop, one host round trip per step), 'static' (the
            static-shape step of :class:`~rleseg.models.static_decode.StaticDecodeLoop`,
            run eagerly), 'graph' (the same step captured as a CUDA graph on CUDA, run
            eagerly elsewhere) or 'auto' (``DEFAULT_IMPL`` of the device). The static
            step needs ``use_cache``; its tokens are the eager loop's (both run
            :meth:`~rleseg.models.transformer.TransformerDecoder.step_at`; only who
            drives the loop differs).
        check_every: static step: read the done flags on the host every this many
            steps (default: ``CHECK_EVERY`` of the device).

    Returns:
        LongTensor (B, L): prompt, generated tokens, PAD after EOS.
    """
    impl = resolve_impl(impl, memory.device, use_cache)
    if impl != 'eager':
        loop = StaticDecodeLoop(
            decoder, memory, prompt, max_len, eos_id, pad_id,
            lambda logits: sample_next(logits, sampling, generator), grammar,
            logits_processor, capture=impl == 'graph' and memory.device.type == 'cuda',
            generator=generator)
        every = check_every or CHECK_EVERY.get(memory.device.type, CHECK_EVERY['cpu'])
        return loop.run(stop_at_eos, every)
    batch, prompt_len = prompt.shape
    device = memory.device
    seq = torch.full((batch, max_len), pad_id, dtype=torch.long, device=device)
    seq[:, :prompt_len] = prompt
    done = torch.zeros(batch, dtype=torch.bool, device=device)
    state = grammar.init_state(batch, device) if grammar is not None else None
    cache = decoder.init_cache(memory, max_len) if use_cache else None
    if use_cache and prompt_len > 1:
        decoder.step(prompt[:, :-1], cache)  # prefill; the last prompt token is fed below
    token = prompt[:, -1:]
    for pos in range(prompt_len, max_len):
        if use_cache:  # the static loop's decoder step (same kernels, same tokens)
            at = torch.tensor([pos - 1], device=device)
            logits = decoder.step_at(token, at, cache)[:, -1]
        else:
            logits = decoder(seq[:, :pos], memory, last_only=True)[:, -1]
        logits = logits.float()
        if logits_processor is not None:
            logits = logits_processor(pos, logits)
        if grammar is not None:
            logits = logits.masked_fill_(~grammar.allowed(state, pos, max_len), _NEG_INF)
        nxt = sample_next(logits, sampling, generator)
        nxt = nxt.masked_fill(done, pad_id)
        seq[:, pos] = nxt
        if grammar is not None:
            grammar.advance(state, nxt)
        done |= (nxt == eos_id) | (nxt == pad_id)
        if stop_at_eos and bool(done.all()):
            break
        token = nxt[:, None]
    return seq
