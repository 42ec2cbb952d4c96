"""Window schemes 3d-bin / 3d-mc / 3d-lac, tac, ltac: round trip, layout consequences."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from rleseg.tokenizers import VideoRLETokenizer, build_tokenizer

VIDEO = ['3d-bin', '3d-mc', '3d-lac', 'tac', 'ltac']


@pytest.mark.parametrize('scheme', VIDEO)
@settings(max_examples=30, deadline=None)
@given(data=st.data(), starts=st.sampled_from(['flat', '2d']),
       order=st.sampled_from(['row', 'col']))
def test_video_roundtrip_exact(scheme, starts, order, data):
    n, h, w = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 6)), \
        data.draw(st.integers(1, 6))
    c = 2 if scheme == '3d-bin' else data.draw(st.integers(2, 4))
    max_length = data.draw(st.integers(1, n * h * w + 2))
    win = data.draw(arrays(np.uint8, (n, h, w), elements=st.integers(0, c - 1)))
    tok = build_tokenizer(dict(scheme=scheme, mask_size=(h, w), num_classes=c, window=n,
                               max_length=max_length, starts=starts, order=order,
                               max_seq_len=2 + 6 * n * h * w))
    assert isinstance(tok, VideoRLETokenizer) and tok.task == 'video'
    enc = tok.encode(win)
    assert enc.num_truncated_runs == 0 and enc.tokens[0] == tok.layout.special['video']
    decoded, rep = tok.decode(enc.tokens)
    assert decoded.shape == (n, h, w) and np.array_equal(decoded, win)
    assert rep.num_runs == enc.num_runs and rep.num_dropped_tokens == 0


def test_3d_runs_cross_frames_and_start_range():
    tok = build_tokenizer(dict(scheme='3d-mc', mask_size=2, num_classes=3, window=3,
                               max_length=8))
    win = np.zeros((3, 2, 2), np.uint8)
    win[0, 1, 1] = win[1, 0, 0] = 2   # flat 3 and 4: one run across the frame end
    runs = tok.runs(win)
    assert runs.starts.tolist() == [3] and runs.lengths.tolist() == [2]
    assert tok.layout.size('start') == 12 and tok.num_pixels == 12
    two_d = build_tokenizer(dict(scheme='3d-bin', mask_size=2, window=3, starts='2d'))
    assert two_d.run_fields == ('frame', 'row', 'col', 'length')


def test_tac_values_and_class_count():
    tok = build_tokenizer(dict(scheme='tac', mask_size=2, num_classes=3, window=2))
    win = np.array([[[1, 2], [0, 0]], [[0, 1], [2, 0]]], np.uint8)
    assert tok.to_grid(win).tolist() == [[1, 2 + 3], [2 * 3, 0]]  # sum_t C^t class_t
    assert tok.layout.size('class') == 3 ** 2 - 1 and tok.run_fields == ('start', 'length',
                                                                        'class')
    ltac = build_tokenizer(dict(scheme='ltac', mask_size=2, num_classes=3, window=2,
                                max_length=2))
    assert ltac.run_fields == ('start', 'lac') and ltac.layout.size('lac') == 2 * 8
    static = build_tokenizer(dict(scheme='tac', mask_size=2, num_classes=3, window=2,
                                  task='static_video'))
    assert static.encode(win).tokens[0] == static.layout.special['static_video']


def test_tac_refuses_when_vocabulary_is_too_small():
    # paper IPSC: C=3, N=8 -> 6560 tac classes: does not fit the default 8000 with S=80
    with pytest.raises(ValueError, match=r'C\^N-1 = 6560'):
        build_tokenizer(dict(scheme='tac', mask_size=80, num_classes=3, window=8,
                             vocab_size=8000))
    with pytest.raises(ValueError, match='no vocabulary can hold'):
        build_tokenizer(dict(scheme='tac', mask_size=8, num_classes=3, window=40))
    ok = build_tokenizer(dict(scheme='tac', mask_size=80, num_classes=3, window=4,
                              vocab_size=8000))
    assert ok.layout.size('class') == 80


def test_window_shape_is_checked():
    tok = build_tokenizer(dict(scheme='3d-mc', mask_size=4, num_classes=3, window=2))
    with pytest.raises(ValueError, match=r'expected \(2, 4, 4\)'):
        tok.encode(np.zeros((4, 4)))
