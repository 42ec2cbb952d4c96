"""GroupGrammar: the grammar of instance-wise / class-wise sequences."""
import numpy as np
import pytest
import torch

from rleseg.models.panoptic_grammar import GroupGrammar
from rleseg.tokenizers import build_tokenizer


def _tok(scheme='instance', starts='flat', order='row', shape=(6, 7), max_seq_len=200):
    return build_tokenizer(dict(scheme=scheme, mask_size=shape, num_classes=3,
                                starts=starts, order=order, max_length=5,
                                max_seq_len=max_seq_len))


@pytest.mark.parametrize('scheme', ['instance', 'classwise'])
@pytest.mark.parametrize('starts', ['flat', '2d'])
@pytest.mark.parametrize('order', ['row', 'col'])
def test_grammar_accepts_every_encoding(scheme, starts, order):
    rng = np.random.default_rng(0)
    for max_seq_len in (200, 21):                 # complete and truncated sequences
        tok = _tok(scheme, starts, order, max_seq_len=max_seq_len)
        grammar = GroupGrammar.from_tokenizer(tok)
        for _ in range(6):
            sem, inst = rng.integers(0, 3, (6, 7)), rng.integers(0, 4, (6, 7))
            enc = tok.encode(sem, inst)
            assert enc.num_groups > 0
            assert grammar.accepts(enc.tokens[1:enc.num_tokens].tolist(), max_seq_len)


def test_grammar_rejects_malformed_groups():
    tok = _tok()
    grammar = GroupGrammar.from_tokenizer(tok)
    lay = tok.layout
    s, ln, c = (lambda v: lay.to_id('start', v)), (lambda v: lay.to_id('length', v)), \
        (lambda v: lay.to_id('class', v))
    eos = lay.eos_id
    assert grammar.accepts([s(3), ln(2), c(1), s(0), ln(1), c(2), eos])  # restart at 0
    assert not grammar.accepts([c(1), eos])                      # class closes no run
    assert not grammar.accepts([s(3), ln(2), eos])               # group left open
    assert not grammar.accepts([s(3), c(1)])                     # class inside a run
    assert not grammar.accepts([s(3), ln(2), s(4), ln(1), c(1)])  # overlap in a group
    assert not grammar.accepts([s(3), ln(2), c(1), c(2)])        # two class tokens
    assert grammar.accepts([eos])                                # empty mask


def test_room_is_kept_for_the_closing_class_token():
    tok = _tok()
    grammar = GroupGrammar.from_tokenizer(tok)
    lay = tok.layout
    state = grammar.init_state(1, torch.device('cpu'))
    run = [lay.to_id('start', 0), lay.to_id('length', 1)]
    for pos, token in enumerate(run, start=1):
        grammar.advance(state, torch.tensor([token]))
    # L = 6: [task s l] + s l class EOS would need 7 -> only the class token is legal
    ok = grammar.allowed(state, 3, 6)[0]
    legal = torch.nonzero(ok).flatten().tolist()
    assert legal == list(range(*lay.ranges['class']))
    ok = grammar.allowed(state, 3, 7)[0]
    assert ok[lay.to_id('start', 1)] and not ok[lay.to_id('start', 0)] and not ok[lay.eos_id]


def test_fits_run_keeps_room_for_the_class_token_and_eos():
    grammar = GroupGrammar.from_tokenizer(_tok())
    state = grammar.init_state(1, torch.device('cpu'))
    starts = list(grammar.fields[0].ids)
    for position in range(1, 12):
        can_start = bool(grammar.allowed(state, position, 12)[0, starts].any())
        assert can_start == grammar.fits_run(position, 12)
    assert grammar.fits_run(8, 12) and not grammar.fits_run(9, 12)  # s l class EOS


@pytest.mark.parametrize('scheme', ['instance', 'classwise'])
def test_random_constrained_sequences_decode_without_loss(scheme):
    """Whatever the logits, constrained sampling yields sequences the tokenizer decodes
    without dropping a token, a run or a group."""
    tok = _tok(scheme, starts='2d', max_seq_len=40)
    grammar = GroupGrammar.from_tokenizer(tok)
    lay = tok.layout
    gen = torch.Generator().manual_seed(0)
    batch, length = 64, tok.max_seq_len
    seq = torch.full((batch, length), lay.pad_id, dtype=torch.long)
    seq[:, 0] = lay.special['panoptic']
    state = grammar.init_state(batch, torch.device('cpu'))
    for pos in range(1, length):
        logits = torch.randn(batch, lay.vocab_size, generator=gen) * 3
        logits[:, lay.eos_id] -= 4                # make long sequences likely
        probs = (logits + grammar.bias(state, pos, length)).softmax(-1)
        nxt = torch.multinomial(probs, 1, generator=gen)[:, 0]
        seq[:, pos] = nxt
        grammar.advance(state, nxt)
    reports = [r for _, r in tok.decode_panoptic_batch(seq.numpy())]
    assert sum(r.num_groups for r in reports) > batch
    for r in reports:
        assert r.num_dropped_tokens == 0 and r.num_dropped_runs == 0
        assert r.num_clipped_runs == 0 and r.truncated == 0


def test_grammar_needs_a_panoptic_tokenizer():
    with pytest.raises(ValueError, match='group-closing'):
        GroupGrammar.from_tokenizer(build_tokenizer(dict(scheme='mc', mask_size=4,
                                                         num_classes=3)))
