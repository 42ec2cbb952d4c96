"""Decoding never raises: token soup, truncated and shuffled sequences, for every scheme."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rleseg.tokenizers import SCHEMES, build_tokenizer

CFGS = {s: dict(scheme=s, mask_size=(5, 6), num_classes=2 if 'bin' in s else 3,
                max_length=4, max_seq_len=48,
                window=2 if s.startswith('3d') or s in ('tac', 'ltac') else 1)
        for s in SCHEMES}


def _sample_mask(tok, rng):
    mask = rng.integers(0, tok.num_classes, tok.input_shape) * (rng.random(tok.input_shape) < .4)
    return mask.astype(np.uint8)


def _encode(tok, mask, rng):
    if tok.scheme == 'instance':
        return tok.encode(mask, rng.integers(0, 4, mask.shape))
    return tok.encode(mask)


def _check(tok, ids):
    mask, rep = tok.decode(np.asarray(ids))
    expected = tok.input_shape if tok.factor == 1 else None
    assert mask.shape == expected
    assert mask.min(initial=0) >= 0 and mask.max(initial=0) < tok.num_classes
    d = rep.to_dict()
    assert all(isinstance(v, int) and v >= 0 for v in d.values())
    assert rep.num_clipped_runs <= rep.num_runs
    return mask, rep


@pytest.mark.parametrize('scheme', SCHEMES)
@settings(max_examples=40, deadline=None)
@given(soup=st.lists(st.integers(-10, 20000), max_size=80))
def test_token_soup_never_raises(scheme, soup):
    tok = build_tokenizer(CFGS[scheme])
    _check(tok, np.asarray(soup, np.int64))
    # ids near the real ranges are more likely to form runs
    _check(tok, np.asarray(soup, np.int64) % (tok.layout.vocab_size + 3))


@pytest.mark.parametrize('scheme', SCHEMES)
def test_truncated_and_shuffled_never_raise(scheme):
    rng = np.random.default_rng(1)
    tok = build_tokenizer(CFGS[scheme])
    for _ in range(10):
        enc = _encode(tok, _sample_mask(tok, rng), rng)
        n = enc.num_tokens
        for cut in range(0, n + 1, 3):
            _check(tok, enc.tokens[:cut])
        shuffled = enc.tokens.copy()
        rng.shuffle(shuffled[:n])
        _check(tok, shuffled)
        _check(tok, enc.tokens[::-1])
    # empty input, all PAD, all EOS, a 2-D batch of soup
    for ids in ([], [0] * 5, [1] * 5):
        mask, rep = _check(tok, np.asarray(ids, np.int64))
        assert not mask.any() and rep.num_runs == 0
    soup = rng.integers(-2, tok.layout.vocab_size + 2, (4, 30))
    assert len(tok.decode_batch(soup)) == 4


def test_specific_malformations_are_counted():
    tok = build_tokenizer(dict(scheme='mc', mask_size=4, num_classes=3, max_length=4))
    lay = tok.layout
    s, ln, c = (lambda v: lay.to_id('start', v)), (lambda v: lay.to_id('length', v)), \
        (lambda v: lay.to_id('class', v))
    task, eos = lay.special['semantic'], lay.eos_id
    # unknown id, stray length, a good run, a trailing partial run (start, length)
    ids = [task, lay.vocab_size + 5, ln(2), s(1), ln(2), c(1), s(8), ln(1)]
    mask, rep = tok.decode(ids)
    assert mask.ravel().tolist()[:4] == [0, 1, 1, 0] and mask.sum() == 2
    assert rep.num_runs == 1 and rep.num_dropped_tokens == 4 and rep.truncated == 1
    # clipped run at the end; tokens after EOS ignored but counted
    ids = [task, s(14), ln(4), c(2), eos, s(0), ln(1), c(1), 0]
    mask, rep = tok.decode(ids)
    assert mask.ravel().tolist() == [0] * 14 + [2, 2]
    assert rep.num_clipped_runs == 1 and rep.num_after_eos == 3 and rep.num_tokens == 5
    # overlapping runs: later one wins
    mask, _ = tok.decode([task, s(0), ln(4), c(1), s(2), ln(1), c(2), eos])
    assert mask.ravel().tolist()[:5] == [1, 1, 2, 1, 0]


@pytest.mark.parametrize('scheme', ['mc', 'lac', 'tac', 'instance'])
@pytest.mark.parametrize('bad', ['shifted', 'nan', 'inf', 'complex', 'bool'])
def test_non_integer_token_ids_are_an_error(scheme, bad):
    """Float / complex ids are never truncated to tokens; NaN / inf are an error."""
    rng = np.random.default_rng(0)
    tok = build_tokenizer(CFGS[scheme])
    tokens = _encode(tok, _sample_mask(tok, rng), rng).tokens
    ids = {'shifted': tokens - 0.1, 'nan': np.where(tokens == 0, np.nan, tokens),
           'inf': np.where(tokens == 0, np.inf, tokens), 'complex': tokens + 0j,
           'bool': tokens > 2}[bad]
    for call in (lambda: tok.decode(ids), lambda: tok.decode_batch(ids[None])):
        with pytest.raises(ValueError, match='token ids must be integers'):
            call()
    assert tok.decode(np.asarray([]))[1].num_runs == 0    # empty input stays fine


@pytest.mark.parametrize('cfg', [dict(subsample=dict(factor=2, mode='any')),
                                 dict(subsample=dict(factor=2, mode='nearest')),
                                 dict(label_map={3: 1}), dict()])
@pytest.mark.parametrize('bad', ['negative', 'fraction', 'nan'])
def test_negative_and_float_labels_are_rejected_on_every_path(cfg, bad):
    """subsample 'any' and label_map used to map -1 / 1.5 to a valid label silently."""
    tok = build_tokenizer(dict(scheme='mc', mask_size=4, num_classes=3, **cfg))
    mask = np.zeros(tok.input_shape, np.float64)
    mask[1, 1] = {'negative': -1, 'fraction': 1.5, 'nan': np.nan}[bad]
    if bad == 'negative':
        mask = mask.astype(np.int16)
    with pytest.raises(ValueError, match='negative|non-integer'):
        tok.encode(mask)
    ok = np.zeros(tok.input_shape, np.float64)
    ok[0, :2] = 2.0
    ok[3, 3] = 255                                  # the ignore index stays allowed
    assert tok.encode(ok).num_runs >= 1
