"""Static-shape decoding (rleseg.models.static_decode): the same tokens as the eager loop,
and no host synchronisation inside a step (pure torch + tokenizer, CPU)."""
import numpy as np
import pytest
import torch

from rleseg.models.decoding import (COORD, LENGTH, GrammarField, RunGrammar, SamplingConfig,
                                    generate, resolve_impl, sample_next)
from rleseg.models.panoptic_grammar import GroupGrammar
from rleseg.models.static_decode import StaticDecodeLoop
from rleseg.models.transformer import TransformerDecoder
from rleseg.tokenizers import build_tokenizer

PAD, EOS, TASK = 0, 1, 2
VOCAB, L = 80, 40
SAMPLINGS = [SamplingConfig('greedy'),
             SamplingConfig('sample', top_p=0.4),
             SamplingConfig('sample', top_p=0.9, temperature=2.0),
             SamplingConfig('sample', top_k=5, top_p=0.8),
             SamplingConfig('sample', top_p=1.0, temperature=3.0)]


def toy_grammar() -> RunGrammar:
    """`bin` runs over an 8 x 8 grid: length ids 6..13 (1..8), start ids 14..77 (0..63)."""
    return RunGrammar([GrammarField('start', COORD, np.arange(14, 78), np.arange(64), 64, 1),
                       GrammarField('length', LENGTH, np.arange(6, 14), np.arange(1, 9))],
                      VOCAB, EOS, PAD, 64)


def tiny_decoder(vocab: int) -> TransformerDecoder:
    torch.manual_seed(0)
    return TransformerDecoder(vocab, L, dim=32, num_layers=2, num_heads=4, mlp_dim=64).eval()


def ragged_eos(stop_at: torch.Tensor):
    """Force EOS in row r from position stop_at[r] on (works for int and tensor
    positions)."""
    def process(pos, logits):
        logits = logits.clone()
        logits[:, EOS] = torch.where(torch.as_tensor(pos) >= stop_at, 1e4, logits[:, EOS])
        return logits
    return process


def both(decoder, memory, prompt, sampling, grammar=None, seed=3, vocab_pad=PAD,
         vocab_eos=EOS, impls=('eager', 'static'), **kwargs):
    """Eager and static generations with the same seed."""
    out = []
    for impl in impls:
        gen = torch.Generator().manual_seed(seed)
        out.append(generate(decoder, memory, prompt, L, vocab_eos, vocab_pad, sampling,
                            grammar=grammar, generator=gen, impl=impl, **kwargs))
    return out


def test_step_at_matches_step():
    decoder = tiny_decoder(VOCAB)
    memory = torch.randn(3, 10, 32)
    tokens = torch.randint(0, VOCAB, (3, 20))
    cache, static = decoder.init_cache(memory), decoder.init_cache(memory)
    for t in range(20):
        ref = decoder.step(tokens[:, t:t + 1], cache)
        got = decoder.step_at(tokens[:, t:t + 1], torch.tensor([t]), static)
        torch.testing.assert_close(got, ref, atol=1e-5, rtol=1e-5)
    assert static.length == 0  # the caller owns the position
    torch.testing.assert_close(static.self_k[:, :, :, :20], cache.self_k[:, :, :, :20])


@pytest.mark.parametrize('sampling', SAMPLINGS, ids=lambda s: f'{s.strategy}-k{s.top_k}'
                         f'-p{s.top_p}-t{s.temperature}')
@pytest.mark.parametrize('constrained', [False, True])
def test_static_equals_eager_ragged_eos(sampling, constrained):
    """Batch of 5, rows stopping at different steps (one never forced), seeded."""
    decoder = tiny_decoder(VOCAB)
    memory = torch.randn(5, 10, 32)
    prompt = torch.full((5, 1), TASK)
    stop_at = torch.tensor([4, 9, 13, 22, L])
    grammar = toy_grammar() if constrained else None
    for check_every in (1, 5):
        eager, static = both(decoder, memory, prompt, sampling, grammar,
                             logits_processor=ragged_eos(stop_at), check_every=check_every)
        assert torch.equal(static, eager), (check_every, static, eager)
    ends = (eager == EOS).float().argmax(1)
    assert len(set(ends.tolist())) >= 3  # really ragged
    if constrained:
        assert all(grammar.accepts(row[1:], L) for row in eager.tolist())


@pytest.mark.parametrize('sampling', SAMPLINGS[:2], ids=['greedy', 'top-p'])
def test_static_equals_eager_without_early_stop(sampling):
    """Always to L, free-running (no processor), both grammars off and on."""
    decoder = tiny_decoder(VOCAB)
    memory = torch.randn(3, 10, 32)
    prompt = torch.full((3, 1), TASK)
    for grammar in (None, toy_grammar()):
        eager, static, graph = both(decoder, memory, prompt, sampling, grammar, seed=11,
                                    stop_at_eos=False, impls=('eager', 'static', 'graph'))
        assert torch.equal(static, eager) and torch.equal(graph, eager)  # graph: eager on CPU


@pytest.mark.parametrize('scheme', ['instance', 'classwise'])
@pytest.mark.parametrize('sampling', SAMPLINGS[:4], ids=['greedy', 'p04', 'p09', 'k5'])
def test_group_grammar_static_equals_eager(scheme, sampling):
    tok = build_tokenizer(dict(scheme=scheme, mask_size=(6, 7), num_classes=3,
                               starts='2d', max_length=5, max_seq_len=L))
    grammar = GroupGrammar.from_tokenizer(tok)
    lay = tok.layout
    decoder = tiny_decoder(lay.vocab_size)
    memory = torch.randn(4, 10, 32)
    prompt = torch.full((4, 1), lay.special[tok.task])
    eager, static = both(decoder, memory, prompt, sampling, grammar, vocab_pad=lay.pad_id,
                         vocab_eos=lay.eos_id)
    assert torch.equal(static, eager)
    for row in eager.tolist():
        assert grammar.accepts(row[1:], L)


def test_multi_token_prompt_is_prefilled():
    decoder = tiny_decoder(VOCAB)
    memory = torch.randn(2, 10, 32)
    prompt = torch.tensor([[TASK, 20, 7], [TASK, 30, 8]])
    eager, static = both(decoder, memory, prompt, SamplingConfig('greedy'))
    assert torch.equal(static, eager) and torch.equal(static[:, :3], prompt)


@pytest.mark.parametrize('grammar_kind', ['none', 'run', 'group'])
def test_a_step_never_reads_a_tensor_on_the_host(grammar_kind):
    """The step runs on the meta device, where any host read (``bool(t)``, ``.item()``,
    data-dependent shapes) raises: what a CUDA-graph capture needs."""
    if grammar_kind == 'group':
        tok = build_tokenizer(dict(scheme='instance', mask_size=(6, 7), num_classes=3,
                                   max_length=5, max_seq_len=L))
        grammar, vocab = GroupGrammar.from_tokenizer(tok), tok.layout.vocab_size
    else:
        grammar, vocab = (toy_grammar() if grammar_kind == 'run' else None), VOCAB
    decoder = tiny_decoder(vocab).to('meta')
    memory = torch.empty(4, 10, 32, device='meta')
    prompt = torch.full((4, 1), TASK, device='meta')
    for sampling in SAMPLINGS:
        loop = StaticDecodeLoop(decoder, memory, prompt, L, EOS, PAD,
                                lambda logits: sample_next(logits, sampling), grammar,
                                logits_processor=ragged_eos(torch.full((4,), 9, device='meta')))
        for _ in range(3):
            loop.step()
        assert loop.seq.device.type == 'meta'
    with pytest.raises(Exception):  # the check itself: the host read does raise on meta
        bool(loop.done.all())


def test_bad_impl_and_static_without_cache():
    cpu = torch.device('cpu')
    assert resolve_impl('auto', cpu, True) == 'eager'
    assert resolve_impl('auto', torch.device('cuda'), True) == 'static'
    assert resolve_impl('graph', cpu, True) == 'graph'  # runs the static step eagerly
    assert resolve_impl('auto', torch.device('cuda'), False) == 'eager'
    with pytest.raises(ValueError, match="impl must be one of"):
        resolve_impl('fast', cpu, True)
    with pytest.raises(ValueError, match='needs use_cache=True'):
        resolve_impl('static', cpu, False)
    with pytest.raises(ValueError, match='capture=True needs CUDA'):
        StaticDecodeLoop(tiny_decoder(VOCAB), torch.randn(1, 4, 32), torch.full((1, 1), TASK),
                         L, EOS, PAD, lambda x: x.argmax(-1), capture=True)
