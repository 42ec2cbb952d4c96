"""Image schemes bin / mc / lac (+ 2d starts): worked example, exact round trip, sequences."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from rleseg.tokenizers import build_tokenizer

EXAMPLE = np.array([[0, 1, 1, 0],
                    [0, 1, 1, 2],
                    [2, 2, 0, 0],
                    [0, 0, 0, 0]], np.uint8)


def _body(enc):
    return enc.tokens[1:enc.num_tokens - 1]


def test_worked_example_mc_and_lac():
    """The worked example of docs/tokenizer.md: runs (1,2,1) (5,2,1) (7,3,2)."""
    mc = build_tokenizer(dict(scheme='mc', mask_size=4, num_classes=3, max_length=4))
    lay = mc.layout
    s, ln, c = (lambda v: lay.to_id('start', v)), (lambda v: lay.to_id('length', v)), \
        (lambda v: lay.to_id('class', v))
    enc = mc.encode(EXAMPLE)
    assert _body(enc).tolist() == [s(1), ln(2), c(1), s(5), ln(2), c(1), s(7), ln(3), c(2)]
    assert enc.tokens[0] == lay.special['semantic'] and enc.tokens[enc.num_tokens - 1] == 1
    assert enc.num_runs == 3 and enc.num_tokens == 11

    lac = build_tokenizer(dict(scheme='lac', mask_size=4, num_classes=3, max_length=4))
    la = lac.layout
    assert _body(lac.encode(EXAMPLE)).tolist() == [
        la.to_id('start', 1), la.to_id('lac', 2), la.to_id('start', 5), la.to_id('lac', 2),
        la.to_id('start', 7), la.to_id('lac', 7)]
    for tok in (mc, lac):
        mask, rep = tok.decode(tok.encode(EXAMPLE).tokens)
        assert np.array_equal(mask, EXAMPLE) and rep.num_runs == 3


def test_worked_example_2d_starts():
    tok = build_tokenizer(dict(scheme='mc', mask_size=4, num_classes=3, max_length=4,
                               starts='2d'))
    lay = tok.layout
    rows = _body(tok.encode(EXAMPLE)).reshape(-1, 4)
    assert lay.to_value('row', rows[:, 0]).tolist() == [0, 1, 1]
    assert lay.to_value('col', rows[:, 1]).tolist() == [1, 1, 3]
    assert tok.run_values(rows)[0].tolist() == [1, 5, 7]


def _tok_and_mask(data, scheme, starts, order):
    h, w = data.draw(st.integers(1, 10)), data.draw(st.integers(1, 10))
    c = 2 if scheme == 'bin' else data.draw(st.integers(2, 6))
    max_length = data.draw(st.integers(1, h * w + 3))
    mask = data.draw(arrays(np.uint8, (h, w), elements=st.integers(0, c - 1)))
    k = {'bin': 2, 'mc': 3, 'lac': 2}[scheme] + (starts == '2d')
    tok = build_tokenizer(dict(scheme=scheme, mask_size=(h, w), num_classes=c,
                               max_length=max_length, starts=starts, order=order,
                               max_seq_len=2 + k * h * w))
    return tok, mask


@pytest.mark.parametrize('scheme', ['bin', 'mc', 'lac'])
@pytest.mark.parametrize('starts', ['flat', '2d'])
@settings(max_examples=40, deadline=None)
@given(data=st.data(), order=st.sampled_from(['row', 'col']))
def test_roundtrip_exact(scheme, starts, order, data):
    tok, mask = _tok_and_mask(data, scheme, starts, order)
    enc = tok.encode(mask)
    assert enc.num_truncated_runs == 0
    assert enc.tokens.shape == (tok.max_seq_len,) and enc.tokens.dtype == np.int64
    decoded, rep = tok.decode(enc.tokens)
    assert decoded.shape == mask.shape and np.array_equal(decoded, mask)
    assert rep.num_runs == enc.num_runs and rep.num_dropped_tokens == 0
    assert rep.num_dropped_runs == 0 and rep.truncated == 0
    assert tok.count_tokens(mask) == enc.num_tokens
    # the task token is optional when decoding
    assert np.array_equal(tok.decode(enc.tokens[1:])[0], mask)


def test_sequence_weights_and_padding():
    tok = build_tokenizer(dict(scheme='bin', mask_size=4, max_length=4, max_seq_len=12,
                               pad_weight=0.1, eos_weight=0.5))
    enc = tok.encode((EXAMPLE > 0).astype(np.uint8))
    n = enc.num_tokens
    assert enc.weights.dtype == np.float32 and enc.weights[0] == 0
    assert np.all(enc.weights[1:n - 1] == 1) and enc.weights[n - 1] == 0.5
    assert np.allclose(enc.weights[n:], 0.1) and np.all(enc.tokens[n:] == 0)


def test_truncation_at_run_boundary_is_reported():
    mask = np.zeros((6, 6), np.uint8)
    mask[:, ::2] = 1  # 18 single-pixel runs
    tok = build_tokenizer(dict(scheme='mc', mask_size=6, num_classes=2, max_seq_len=17))
    enc = tok.encode(mask)
    assert enc.num_runs == 5 and enc.num_truncated_runs == 13 and enc.truncated
    assert enc.num_tokens == 17 and enc.tokens[-1] == tok.layout.eos_id
    decoded, rep = tok.decode(enc.tokens)
    assert rep.num_runs == 5 and rep.num_dropped_tokens == 0
    assert decoded.sum() == 5
    assert enc.stats() == dict(num_tokens=17, num_runs=5, num_truncated_runs=13,
                               num_groups=0, truncated=1)


def test_subsample_modes_and_label_handling():
    big = np.zeros((8, 8), np.uint8)
    big[1, 1] = 2           # only inside block (0, 0), not at its top-left pixel
    big[4:8, 4:8] = 1
    big[0, 4] = 255         # ignore pixel at the top-left of block (0, 1)
    near = build_tokenizer(dict(scheme='mc', mask_size=2, num_classes=3,
                                subsample=dict(factor=4, mode='nearest')))
    anyr = build_tokenizer(dict(scheme='mc', mask_size=2, num_classes=3,
                                subsample=dict(factor=4, mode='any')))
    assert near.subsample(big).tolist() == [[0, 255], [0, 1]]
    assert anyr.subsample(big).tolist() == [[2, 0], [0, 1]]
    # the ignore index never becomes a run
    assert near.decode(near.encode(big).tokens)[0].tolist() == [[0, 0], [0, 1]]
    assert anyr.decode(anyr.encode(big).tokens)[0].tolist() == [[2, 0], [0, 1]]
    # subsample inverts nearest upsampling
    small = np.array([[1, 0], [2, 1]], np.uint8)
    assert np.array_equal(near.subsample(near.upsample(small)), small)
    # label remapping happens before the range check
    remap = build_tokenizer(dict(scheme='mc', mask_size=2, num_classes=3,
                                 label_map={7: 2, 255: 0}, ignore_index=None))
    assert remap.decode(remap.encode(np.array([[7, 1], [255, 0]])).tokens)[0].tolist() == \
        [[2, 1], [0, 0]]


def test_bad_inputs_raise_clearly():
    tok = build_tokenizer(dict(scheme='mc', mask_size=4, num_classes=3))
    with pytest.raises(ValueError, match='label 5 is outside'):
        tok.encode(np.full((4, 4), 5))
    with pytest.raises(ValueError, match='mask shape'):
        tok.encode(np.zeros((5, 4)))
    with pytest.raises(ValueError, match='needs num_classes=2'):
        build_tokenizer(dict(scheme='bin', mask_size=4, num_classes=3))
    with pytest.raises(ValueError, match='unknown scheme'):
        build_tokenizer(dict(scheme='rle', mask_size=4))
    with pytest.raises(ValueError, match='window'):
        build_tokenizer(dict(scheme='mc', mask_size=4, window=3))


def test_decode_batch_matches_single_decodes():
    rng = np.random.default_rng(0)
    tok = build_tokenizer(dict(scheme='lac', mask_size=(5, 7), num_classes=4, max_length=3,
                               starts='2d', max_seq_len=64))
    masks = [rng.integers(0, 4, (5, 7)) * (rng.random((5, 7)) < 0.3) for _ in range(5)]
    ids = np.stack([tok.encode(m).tokens for m in masks])
    ids[2, 10:] = rng.integers(0, tok.layout.vocab_size, 54)  # one garbled row
    batch = tok.decode_batch(ids)
    for row, (mask, rep) in zip(ids, batch):
        single, srep = tok.decode(row)
        assert np.array_equal(mask, single) and rep == srep


def test_start_index_helpers_are_consistent():
    for order in ('row', 'col'):
        tok = build_tokenizer(dict(scheme='bin', mask_size=(3, 5), starts='2d', order=order))
        starts = np.arange(15)
        ids = tok.start_ids(starts)
        assert np.array_equal(tok.start_index(ids[:, 0], ids[:, 1]), starts)


@pytest.mark.parametrize('cfg', [
    dict(scheme='bin', mask_size=(6, 9), max_length=4, max_seq_len=20),
    dict(scheme='mc', mask_size=7, num_classes=4, order='col', max_seq_len=30),
    dict(scheme='lac', mask_size=5, num_classes=3, starts='2d', max_seq_len=20),
    dict(scheme='tac', mask_size=4, num_classes=3, window=3, max_seq_len=20),
    dict(scheme='3d-mc', mask_size=4, num_classes=3, window=2, starts='2d', max_seq_len=30),
    dict(scheme='instance', mask_size=5, num_classes=3, max_seq_len=16),
])
def test_encode_batch_equals_single_encodes(cfg):
    rng = np.random.default_rng(3)
    tok = build_tokenizer(cfg)
    masks = (rng.integers(0, tok.num_classes, (6,) + tok.input_shape)
             * (rng.random((6,) + tok.input_shape) < 0.5)).astype(np.uint8)
    masks[0] = 0  # an empty mask in the batch
    inst = rng.integers(0, 3, masks.shape) if cfg['scheme'] == 'instance' else None
    batch = tok.encode_batch(masks) if inst is None else tok.encode_batch(masks, inst)
    assert len(batch) == 6 and batch.tokens.shape == (6, tok.max_seq_len)
    for b in range(6):
        single = tok.encode(masks[b]) if inst is None else tok.encode(masks[b], inst[b])
        assert np.array_equal(batch[b].tokens, single.tokens)
        assert np.array_equal(batch[b].weights, single.weights)
        assert batch[b].stats() == single.stats()
    assert batch[0].num_runs == 0 and batch[0].num_tokens == 2
    assert batch.num_truncated_runs.sum() > 0  # the small L truncates some masks


def test_ignore_index_must_not_be_a_class():
    with pytest.raises(ValueError, match='ignore_index 2 is a class id'):
        build_tokenizer(dict(scheme='mc', mask_size=4, num_classes=3, ignore_index=2))


def test_field_values_match_encoded_runs():
    """Every length / lac / class id carries the length and class its runs encode."""
    for scheme, name in (('lac', 'lac'), ('mc', 'length'), ('mc', 'class'),
                         ('bin', 'length')):
        num_classes = 2 if scheme == 'bin' else 3
        tok = build_tokenizer(dict(scheme=scheme, mask_size=4, num_classes=num_classes,
                                   max_length=4, subsample=dict(factor=1), max_seq_len=32))
        ids, length, cls = tok.field_values(name)
        assert np.array_equal(ids, np.arange(*tok.layout.ranges[name]))
        for run_length in range(1, 5):
            for value in range(1, num_classes):
                mask = np.zeros(16, np.uint8)
                mask[5:5 + run_length] = value
                run = _body(tok.encode(mask.reshape(4, 4)))
                token = run[tok.run_fields.index(name)]
                at = int(np.flatnonzero(ids == token)[0])
                if name != 'class':
                    assert length[at] == run_length
                if name != 'length':
                    assert cls[at] == value
