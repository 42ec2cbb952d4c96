"""Static-shape token generation: a decode step with no host round trip.

:class:`StaticDecodeLoop` preallocates everything a generation needs (KV cache at L,
the (B, L) output, the fed token, the position as a (1,) device tensor, the grammar
state and the per-row done flags) and runs one step as a fixed sequence of tensor
operations: :meth:`~rleseg.models.transformer.TransformerDecoder.step_at` at the
device position, the logits processor, the grammar mask (the grammar's tables indexed
by its state tensors and the position tensor, see
:meth:`~rleseg.models.decoding.RunGrammar.allowed`), synchronisation-free sampling
(:func:`~rleseg.models.decoding.sample_next`), the done flags and the state update.
The host only counts steps, and reads the done flags every ``check_every`` steps.

On CUDA (``capture=True``) the step is recorded once as a CUDA graph after two eager
warm-up steps and replayed for the rest of the sequence (one launch per token instead
of ~200 kernels). On CPU the same step runs eagerly. Rows that finished keep emitting
PAD, so the output does not depend on ``check_every``.

It serves every grammar with the :class:`~rleseg.models.decoding.RunGrammar`
interface whose ``allowed`` / ``advance`` take a tensor position and only use tensor
operations: :class:`~rleseg.models.decoding.RunGrammar` and
:class:`~rleseg.models.panoptic_grammar.GroupGrammar` both do.
"""
from __future__ import annotations

from typing import Callable, Optional

import torch
from torch import Tensor

_WARMUP_STEPS = 2  # eager steps before capture (CUDA graphs need warmed-up kernels)


class StaticDecodeLoop:
    """One autoregressive generation with static shapes.

    Args:
        decoder: a :class:`~rleseg.models.transformer.TransformerDecoder` (``step_at``,
            ``step``, ``init_cache``).
        memory: (B, M, d) encoder output.
        prompt: (B, P) prompt ids.
        max_len: L, total sequence length including the prompt.
        eos_id, pad_id: special ids; a row is finished after EOS (or PAD).
        sample: ``f(logits (B, V) float) -> ids (B,)``, without host synchronisation.
        grammar: optional grammar (``init_state``, ``allowed``, ``advance``).
        logits_processor: optional ``f(position, logits) -> logits``; ``position`` is
            the (1,) long device tensor of the token being generated.
        capture: record the step as a CUDA graph (needs CUDA tensors).
        generator: the RNG ``sample`` draws from, registered with the CUDA graph.
    """

    def __init__(self, decoder, memory: Tensor, prompt: Tensor, max_len: int, eos_id: int,
                 pad_id: int, sample: Callable[[Tensor], Tensor], grammar=None,
                 logits_processor: Optional[Callable[[Tensor, Tensor], Tensor]] = None,
                 capture: bool = False, generator: Optional[torch.Generator] = None) -> None:
        batch, prompt_len = prompt.shape
        if not 0 < prompt_len < max_len:
            raise ValueError(f'StaticDecodeLoop: prompt length {prompt_len} must be in '
                             f'[1, max_len={max_len})')
        if capture and memory.device.type != 'cuda':
            raise ValueError(f'StaticDecodeLoop: capture=True needs CUDA tensors, got '
                             f'{memory.device}')
        device = memory.device
        self.decoder, self.max_len, self.prompt_len = decoder, max_len, prompt_len
        self.eos_id, self.pad_id = eos_id, pad_id
        self.sample, self.grammar, self.processor = sample, grammar, logits_processor
        self.capture, self.generator = capture, generator
        self.seq = torch.full((batch, max_len), pad_id, dtype=torch.long, device=device)
        self.seq[:, :prompt_len] = prompt
        self.cache = decoder.init_cache(memory, max_len)
        if prompt_len > 1:  # prefill all but the last prompt token
            decoder.step(prompt[:, :-1], self.cache)
        self.token = prompt[:, -1:].clone()
        self.position = torch.full((1,), prompt_len, dtype=torch.long, device=device)
        self.done = torch.zeros(batch, dtype=torch.bool, device=device)
        self.state = grammar.init_state(batch, device) if grammar is not None else None

    def step(self) -> None:
        """Generate the token at ``self.position`` for every row and advance (tensor
        operations only: safe to capture)."""
        logits = self.decoder.step_at(self.token, self.position - 1, self.cache)[:, -1]
        logits = logits.float()
        if self.processor is not None:
            logits = self.processor(self.position, logits)
        if self.grammar is not None:
            legal = self.grammar.allowed(self.state, self.position, self.max_len)
            logits = logits.masked_fill(~legal, float('-inf'))
        nxt = self.sample(logits).masked_fill(self.done, self.pad_id)
        self.seq.index_copy_(1, self.position, nxt[:, None])
        if self.grammar is not None:
            self.grammar.advance(self.state, nxt)
        self.done |= (nxt == self.eos_id) | (nxt == self.pad_id)
        self.token.copy_(nxt[:, None])
        self.position += 1

    def _warm_up_and_record(self) -> 'torch.cuda.CUDAGraph':
        """Run the first ``_WARMUP_STEPS`` steps on a side stream, then capture one
        :meth:`step` (recorded, not executed) for replay."""
        device = self.seq.device
        side = torch.cuda.Stream(device=device)
        side.wait_stream(torch.cuda.current_stream(device))
        with torch.cuda.stream(side):
            for _ in range(_WARMUP_STEPS):
                self.step()
        torch.cuda.current_stream(device).wait_stream(side)
        graph = torch.cuda.CUDAGraph()
        if self.generator is not None:
            graph.register_generator_state(self.generator)
        with torch.cuda.graph(graph):
            self.step()
        return graph

    def run(self, stop_at_eos: bool = True, check_every: int = 1) -> Tensor:
        """Generate to L, or until every row has finished (read on the host every
        ``check_every`` steps; finished rows emit PAD meanwhile).

        Returns:
            LongTensor (B, L): prompt, generated tokens, PAD after EOS.
        """
        if check_every < 1:
            raise ValueError(f'StaticDecodeLoop.run: check_every must be >= 1, got '
                             f'{check_every}')
        steps = self.max_len - self.prompt_len
        taken, step = 0, self.step
        if self.capture and steps > _WARMUP_STEPS:
            step = self._warm_up_and_record().replay
            taken = _WARMUP_STEPS
        while taken < steps:
            if stop_at_eos and taken % check_every == 0 and bool(self.done.all()):
                break
            step()
            taken += 1
        return self.seq
