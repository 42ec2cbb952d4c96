"""Decoder KV cache, sampling rules and the generation loop (pure torch, no tokenizer)."""
import numpy as np
import pytest
import torch

from rleseg.models.decoding import (COORD, LENGTH, GrammarField, RunGrammar, SamplingConfig,
                                    generate, sample_next)
from rleseg.models.transformer import (TransformerDecoder, TransformerEncoder,
                                       sine_position_encoding_2d)

PAD, EOS, TASK = 0, 1, 2
VOCAB, L = 80, 48


def toy_grammar() -> RunGrammar:
    """`bin` runs over an 8 x 8 grid: length ids 6..13 (1..8), start ids 14..77 (0..63)."""
    return RunGrammar([GrammarField('start', COORD, np.arange(14, 78), np.arange(64), 64, 1),
                       GrammarField('length', LENGTH, np.arange(6, 14), np.arange(1, 9))],
                      VOCAB, EOS, PAD, 64)


@pytest.fixture
def decoder() -> TransformerDecoder:
    torch.manual_seed(0)
    return TransformerDecoder(VOCAB, L, dim=32, num_layers=2, num_heads=4, mlp_dim=64).eval()


def test_incremental_steps_match_full_forward(decoder):
    memory = torch.randn(3, 10, 32)
    tokens = torch.randint(0, VOCAB, (3, 20))
    full = decoder(tokens, memory)
    cache = decoder.init_cache(memory)
    assert cache.self_k.shape == (2, 3, 4, L, 8)
    parts = [decoder.step(tokens[:, :5], cache)]  # a multi-token prompt, then single steps
    parts += [decoder.step(tokens[:, t:t + 1], cache) for t in range(5, 20)]
    assert cache.length == 20
    torch.testing.assert_close(torch.cat(parts, 1), full, atol=1e-5, rtol=1e-5)


def test_kv_cache_generation_equals_full_recompute(decoder):
    """Greedy decoding, rows finishing at different steps (EOS forced per row)."""
    memory = torch.randn(4, 10, 32)
    prompt = torch.full((4, 1), TASK)
    stop_at = torch.tensor([5, 9, 13, 47])

    def force_eos(pos, logits):
        logits = logits.clone()
        logits[pos >= stop_at, EOS] = 1e4
        return logits

    for grammar in (None, toy_grammar()):
        kwargs = dict(sampling=SamplingConfig('greedy'), grammar=grammar,
                      logits_processor=force_eos)
        cached = generate(decoder, memory, prompt, L, EOS, PAD, use_cache=True, **kwargs)
        full = generate(decoder, memory, prompt, L, EOS, PAD, use_cache=False, **kwargs)
        assert torch.equal(cached, full)
        ends = (cached == EOS).float().argmax(1)
        assert (ends <= stop_at).all() and len(set(ends.tolist())) >= 3
        # after EOS everything is PAD
        after = torch.arange(L)[None] > ends[:, None]
        assert (cached[after] == PAD).all()


def test_constrained_generation_is_always_legal(decoder):
    grammar = toy_grammar()
    memory = torch.randn(8, 10, 32)
    prompt = torch.full((8, 1), TASK)
    for cfg in (SamplingConfig('greedy'), SamplingConfig('sample', top_p=1.0, temperature=3.0),
                SamplingConfig('sample', top_k=5)):
        out = generate(decoder, memory, prompt, L, EOS, PAD, cfg, grammar=grammar,
                       generator=torch.Generator().manual_seed(1))
        for row in out.tolist():
            assert grammar.accepts(row[1:], L)
            assert EOS in row  # grammar forces EOS before L


def test_grammar_rules():
    g = toy_grammar()
    s, n = lambda v: 14 + v, lambda v: 5 + v  # start value -> id, length value -> id
    assert g.accepts([s(1), n(2), s(5), n(2), s(7), n(3), EOS])
    assert g.accepts([s(1), n(2), s(3), n(1), EOS])  # adjacent runs
    assert g.accepts([EOS])
    assert g.accepts([s(63), n(1), EOS])
    assert not g.accepts([s(1), n(2), s(2), n(1), EOS])  # start inside previous run
    assert not g.accepts([s(1), EOS])  # EOS inside a run
    assert not g.accepts([s(62), n(3), EOS])  # run leaves the grid
    assert not g.accepts([n(1), s(1), EOS])  # length before start
    assert not g.accepts([s(1), n(1), PAD, s(5)])  # PAD is not a terminator
    # a full grid leaves only EOS; after EOS only PAD
    state = g.init_state(1, torch.device('cpu'))
    for token in (s(60), n(4)):
        g.advance(state, torch.tensor([token]))
    assert g.allowed(state, 3, L)[0].nonzero().flatten().tolist() == [EOS]
    g.advance(state, torch.tensor([EOS]))
    assert g.allowed(state, 4, L)[0].nonzero().flatten().tolist() == [PAD]
    bias = g.bias(state, 4, L)[0]
    assert bias[PAD] == 0 and torch.isinf(bias).sum() == VOCAB - 1
    # EOS is forced when a run and EOS no longer fit before L
    state = g.init_state(1, torch.device('cpu'))
    allowed = g.allowed(state, position=L - 2, max_len=L)[0]
    assert allowed.nonzero().flatten().tolist() == [EOS]


def test_sampling_filters():
    logits = torch.tensor([[4.0, 3.0, 2.0, -1.0, -2.0]]).repeat(200, 1)
    gen = torch.Generator().manual_seed(0)
    assert sample_next(logits, SamplingConfig('greedy')).eq(0).all()
    top2 = sample_next(logits, SamplingConfig('sample', top_k=2, top_p=1.0), gen)
    assert set(top2.tolist()) == {0, 1}
    # p(0) = 0.66 >= 0.4: the nucleus is the top token alone
    assert sample_next(logits, SamplingConfig('sample', top_p=0.4), gen).eq(0).all()
    nucleus = sample_next(logits, SamplingConfig('sample', top_p=0.9), gen)
    assert set(nucleus.tolist()) == {0, 1}
    hot = sample_next(logits, SamplingConfig('sample', top_p=1.0, temperature=50.0), gen)
    assert len(set(hot.tolist())) == 5
    with pytest.raises(ValueError, match='top_p'):
        SamplingConfig('sample', top_p=0.0)


def test_encoder_and_position_code():
    code = sine_position_encoding_2d(3, 5, 16)
    assert code.shape == (15, 16) and len(torch.unique(code, dim=0)) == 15
    enc = TransformerEncoder(16, num_layers=2, num_heads=2, mlp_dim=32)
    assert enc(torch.randn(2, 15, 16)).shape == (2, 15, 16)
