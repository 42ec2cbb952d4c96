"""Fast paths agree with the general paths: direct run extraction (raw labels, ignore
runs skipped) vs prepare + extract, and the regular-sequence parser vs the general parser."""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from rleseg.tokenizers import build_tokenizer
from rleseg.tokenizers.sequence import frame_batch

CONFIGS = [dict(scheme='bin', num_classes=2), dict(scheme='mc', num_classes=4),
           dict(scheme='lac', num_classes=3, order='col'),
           dict(scheme='mc', num_classes=3, starts='2d', max_length=3),
           dict(scheme='3d-mc', num_classes=3, window=2)]


def _tok(cfg, size, max_seq_len=4096):
    return build_tokenizer(dict(cfg, mask_size=size, max_seq_len=max_seq_len))


@settings(max_examples=40, deadline=None)
@given(cfg=st.sampled_from(CONFIGS), size=st.integers(1, 9), batch=st.integers(1, 4),
       seed=st.integers(0, 2 ** 31), max_seq_len=st.sampled_from([8, 64, 4096]))
def test_direct_runs_match_general_path(cfg, size, batch, seed, max_seq_len):
    """uint8 masks (fast path) encode exactly as the same labels as float (general path),
    with ignore pixels, batched and single, truncated or not."""
    tok = _tok(cfg, size, max_seq_len)
    rng = np.random.default_rng(seed)
    labels = np.append(np.arange(tok.num_classes), 255)
    masks = rng.choice(labels, (batch,) + tok.input_shape).astype(np.uint8)
    masks[:, ..., : size // 2] = masks[:, ..., :1]                 # some long runs
    assert tok._direct_runs(masks) is not None
    assert tok._direct_runs(masks.astype(np.float64)) is None
    fast, slow = tok.encode_batch(masks), tok.encode_batch(masks.astype(np.float64))
    for name in ('tokens', 'weights', 'num_tokens', 'num_runs', 'num_truncated_runs'):
        assert np.array_equal(getattr(fast, name), getattr(slow, name)), name
    one, ref = tok.encode(masks[0]), fast[0]
    assert np.array_equal(one.tokens, ref.tokens) and np.array_equal(one.weights, ref.weights)
    assert (one.num_tokens, one.num_runs, one.num_truncated_runs) == \
        (ref.num_tokens, ref.num_runs, ref.num_truncated_runs)


def test_direct_runs_bad_label_falls_back_and_raises():
    tok = _tok(dict(scheme='mc', num_classes=3), 4)
    mask = np.zeros((1, 4, 4), np.int16)
    for bad in (3, -1):
        mask[0, 1, 2] = bad
        assert tok._direct_runs(mask) is None
        try:
            tok.encode(mask[0])
        except ValueError as err:
            assert str(bad) in str(err)
        else:
            raise AssertionError('bad label accepted')


@settings(max_examples=60, deadline=None)
@given(cfg=st.sampled_from(CONFIGS), size=st.integers(1, 7), batch=st.integers(1, 3),
       seed=st.integers(0, 2 ** 31), corrupt=st.integers(0, 3))
def test_regular_parse_matches_general_parse(cfg, size, batch, seed, corrupt):
    """On encoded sequences (regular) and corrupted ones the fast parser either declines
    (None) or returns exactly the general parser's runs and report counts."""
    tok = _tok(cfg, size, 64)
    rng = np.random.default_rng(seed)
    masks = rng.integers(0, tok.num_classes, (batch,) + tok.input_shape).astype(np.uint8)
    ids = tok.encode_batch(masks).tokens.copy()
    if corrupt == 1:                                    # no task token anywhere
        ids = ids[:, 1:]
    elif corrupt == 2:                                  # random id somewhere
        ids[rng.integers(batch), rng.integers(ids.shape[1])] = rng.integers(-3, 10 ** 6)
    elif corrupt == 3:                                  # clip a run at the mask end
        ids[:, 1] = tok.layout.to_id('start', tok.num_pixels - 1) \
            if tok.starts == 'flat' else ids[:, 1]
    fast = tok._parse_regular(ids)
    if corrupt == 0:
        assert fast is not None
    if fast is None:
        return
    fr = frame_batch(ids, tok.layout)
    slow = tok._parse(fr)
    for a, b in zip(fast[:4], slow):
        assert np.array_equal(a, b)
    rep_fast = tok.decode_batch(ids)
    for name, counts in fr.counts.items():
        assert np.array_equal(fast[4].get(name, 0 * counts), counts), name
    assert all(r.num_dropped_tokens == 0 for _, r in rep_fast)
    for (m1, r1), (m2, r2) in zip(rep_fast, [tok.decode(row) for row in ids]):
        assert np.array_equal(m1, m2) and r1 == r2
