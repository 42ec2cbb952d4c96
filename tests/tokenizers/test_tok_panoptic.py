"""Panoptic schemes: instance-wise and class-wise groups closed by class tokens."""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from rleseg.tokenizers import PanopticRLETokenizer, build_tokenizer

SEM = np.array([[0, 1, 1, 0],
                [0, 1, 1, 2],
                [2, 2, 0, 0],
                [0, 0, 0, 1]], np.uint8)
INST = np.array([[0, 4, 4, 0],
                 [0, 4, 4, 9],
                 [7, 7, 0, 0],
                 [0, 0, 0, 0]])


def _same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    """a and b label the same regions (up to renaming), 0 meaning none in both."""
    if not np.array_equal(a == 0, b == 0):
        return False
    pairs = np.unique(np.stack([a.ravel(), b.ravel()]), axis=1)
    return len(np.unique(pairs[0])) == len(np.unique(pairs[1])) == pairs.shape[1]


def test_instance_tokens_and_groups():
    tok = build_tokenizer(dict(scheme='instance', mask_size=4, num_classes=3, max_length=4))
    assert isinstance(tok, PanopticRLETokenizer) and tok.run_fields == ('start', 'length')
    lay = tok.layout
    s, ln, c = (lambda v: lay.to_id('start', v)), (lambda v: lay.to_id('length', v)), \
        (lambda v: lay.to_id('class', v))
    enc = tok.encode(SEM, INST)
    # groups in ascending (instance, class): (0, class 1) pixel 15; inst 4; inst 7; inst 9
    assert enc.tokens[:enc.num_tokens].tolist() == [
        lay.special['panoptic'], s(15), ln(1), c(1), s(1), ln(2), s(5), ln(2), c(1),
        s(8), ln(2), c(2), s(7), ln(1), c(2), lay.eos_id]
    assert enc.num_groups == 4 and enc.num_runs == 5
    pred, rep = tok.decode_panoptic(enc.tokens)
    assert np.array_equal(pred.semantic, SEM) and _same_partition(pred.instances, INST + SEM
                                                                   * (INST == 0) * 100)
    assert pred.classes.tolist() == [1, 1, 2, 2] and rep.num_groups == 4
    assert pred.class_token_pos.tolist() == [3, 8, 11, 14]
    assert pred.first_token_pos.tolist() == [1, 4, 9, 12]


def test_classwise_groups_per_class():
    tok = build_tokenizer(dict(scheme='classwise', mask_size=4, num_classes=3, max_length=4))
    enc = tok.encode(SEM)
    pred, rep = tok.decode_panoptic(enc.tokens)
    assert enc.num_groups == 2 and pred.classes.tolist() == [1, 2]
    assert np.array_equal(pred.semantic, SEM)
    assert np.array_equal(pred.instances, SEM.astype(np.int32))
    assert np.array_equal(tok.decode(enc.tokens)[0], SEM)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), scheme=st.sampled_from(['instance', 'classwise']),
       starts=st.sampled_from(['flat', '2d']), order=st.sampled_from(['row', 'col']))
def test_panoptic_roundtrip(data, scheme, starts, order):
    h, w = data.draw(st.integers(1, 8)), data.draw(st.integers(1, 8))
    c = data.draw(st.integers(2, 4))
    sem = data.draw(arrays(np.uint8, (h, w), elements=st.integers(0, c - 1)))
    inst = data.draw(arrays(np.int64, (h, w), elements=st.integers(0, 5)))
    tok = build_tokenizer(dict(scheme=scheme, mask_size=(h, w), num_classes=c,
                               max_length=data.draw(st.integers(1, h * w + 1)),
                               starts=starts, order=order, max_seq_len=3 + 5 * h * w))
    enc = tok.encode(sem, inst)
    assert enc.num_truncated_runs == 0 and tok.count_tokens(sem, inst) == enc.num_tokens
    pred, rep = tok.decode_panoptic(enc.tokens)
    assert np.array_equal(pred.semantic, sem)
    assert rep.num_runs == enc.num_runs and rep.num_groups == enc.num_groups
    assert rep.num_dropped_tokens == 0 and rep.num_dropped_runs == 0
    if scheme == 'instance':
        key = np.where(sem > 0, inst * c + sem + 1, 0)  # groups = (instance, class) pairs
        assert _same_partition(pred.instances, key)


def test_truncation_closes_the_cut_group():
    tok = build_tokenizer(dict(scheme='instance', mask_size=4, num_classes=3, max_length=4,
                               max_seq_len=9))
    enc = tok.encode(SEM, INST)
    # room for 7 body tokens: group 1 (3 tokens), 1 run of group 2 + its class token
    assert enc.num_runs == 2 and enc.num_groups == 2 and enc.num_truncated_runs == 3
    assert enc.tokens[enc.num_tokens - 2] == tok.layout.to_id('class', 1)
    pred, rep = tok.decode_panoptic(enc.tokens)
    assert pred.num_instances == 2 and rep.num_dropped_tokens == 0


def test_unclosed_runs_and_empty_groups_are_dropped():
    tok = build_tokenizer(dict(scheme='instance', mask_size=4, num_classes=3, max_length=4))
    lay = tok.layout
    s, ln, c = (lambda v: lay.to_id('start', v)), (lambda v: lay.to_id('length', v)), \
        (lambda v: lay.to_id('class', v))
    ids = [lay.special['panoptic'], c(2), s(0), ln(2), c(1), s(4), ln(1)]
    pred, rep = tok.decode_panoptic(ids)
    assert pred.semantic.ravel().tolist()[:5] == [1, 1, 0, 0, 0]
    assert rep.num_groups == 1 and rep.num_runs == 1 and rep.num_dropped_runs == 1
    assert rep.num_dropped_tokens == 1  # the class token closing nothing
