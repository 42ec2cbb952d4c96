"""Mask resampling around tokenisation: 'majority' subsampling, 'bilinear' upsampling and
label resizing to any size (rleseg.tokenizers.masks), and the tokenizer options that
select them."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from rleseg.tokenizers import build_tokenizer
from rleseg.tokenizers.masks import label_scores, resize_labels, subsample, upsample


def _majority_by_hand(mask, k, ignore_index):
    """Block by block: most frequent non-ignore label, ties -> higher label."""
    s, t = mask.shape[0] // k, mask.shape[1] // k
    out = np.zeros((s, t), np.int64)
    for i in range(s):
        for j in range(t):
            block = mask[i * k:(i + 1) * k, j * k:(j + 1) * k].ravel().tolist()
            votes = [v for v in block if v != ignore_index]
            if not votes:
                out[i, j] = ignore_index
                continue
            counts = {v: votes.count(v) for v in set(votes)}
            out[i, j] = max(counts, key=lambda v: (counts[v], v))
    return out


def test_majority_subsample_rules():
    m = np.zeros((4, 4), np.uint8)
    m[0, :2] = 1                  # block (0, 0): 2 x label 1, 2 x label 0 -> tie -> 1
    m[:2, 2:] = 255               # block (0, 1): all ignore -> stays ignore
    m[2:, :2] = [[2, 2], [1, 255]]  # block (1, 0): ignore does not vote -> 2
    m[2:, 2:] = [[1, 1], [1, 2]]  # block (1, 1): 1 wins 3 to 1
    assert subsample(m, 2, 'majority', 255).tolist() == [[1, 255], [2, 1]]
    assert subsample(m, 2, 'majority', 255).dtype == np.uint8
    # unlike 'nearest' (top-left pixel) it does not shift a blob towards the top-left
    blob = np.zeros((8, 8), np.uint8)
    blob[1:7, 1:7] = 1
    assert subsample(blob, 4, 'nearest').tolist() == [[0, 0], [0, 1]]
    assert subsample(blob, 4, 'majority').tolist() == [[1, 1], [1, 1]]


@settings(max_examples=40, deadline=None)
@given(arrays(np.uint8, (6, 9), elements=st.sampled_from([0, 1, 2, 3, 255])),
       st.sampled_from([1, 3]))
def test_majority_subsample_matches_the_rule_block_by_block(mask, k):
    mask = mask[:6 - 6 % k, :9 - 9 % k]
    assert np.array_equal(subsample(mask, k, 'majority', 255),
                          _majority_by_hand(mask, k, 255))
    # windows (N, H, W) are subsampled frame by frame
    stacked = subsample(np.stack([mask, mask[::-1]]), k, 'majority', 255)
    assert np.array_equal(stacked[1], _majority_by_hand(mask[::-1], k, 255))


@settings(max_examples=40, deadline=None)
@given(arrays(np.int64, (5, 7), elements=st.integers(0, 3)),
       st.tuples(st.integers(1, 5), st.integers(1, 5)))
def test_bilinear_upsampling_is_argmax_of_interpolated_one_hot_maps(grid, factor):
    """The same rule as F.interpolate(one_hot, 'bilinear', align_corners=False).argmax."""
    ky, kx = factor
    ours = upsample(grid, (ky, kx), 'bilinear', num_classes=4)
    hot = F.one_hot(torch.from_numpy(grid), 4).permute(2, 0, 1)[None].double()
    scores = F.interpolate(hot, size=(5 * ky, 7 * kx), mode='bilinear',
                           align_corners=False)[0]
    best = scores.max(dim=0).values
    # where classes tie (rare), ours keeps the lower id: compare against the tie set
    chosen = scores.gather(0, torch.from_numpy(ours)[None])[0]
    assert torch.allclose(chosen, best)
    untied = (scores >= best - 1e-12).sum(0) == 1
    assert torch.equal(torch.from_numpy(ours)[untied], scores.argmax(0)[untied])


@settings(max_examples=40, deadline=None)
@given(arrays(np.uint8, (2, 4, 6), elements=st.integers(0, 2)),
       st.tuples(st.integers(1, 13), st.integers(1, 13)))
def test_nearest_resize_is_interpolate_nearest_at_any_size(masks, size):
    ours = resize_labels(masks, size, 'nearest')
    ref = F.interpolate(torch.from_numpy(masks)[None].float(), size=size,
                        mode='nearest')[0].to(torch.uint8)
    assert ours.shape == (2, ) + size and np.array_equal(ours, ref.numpy())
    assert np.array_equal(resize_labels(masks, (8, 12), 'nearest'), upsample(masks, 2))


def test_bilinear_upsampling_keeps_what_nearest_gets_right():
    grid = np.zeros((4, 4), np.int64)
    assert np.array_equal(upsample(grid, 4, 'bilinear'), np.zeros((16, 16)))
    grid[1:3, 1:3] = 1
    up = upsample(grid, 4, 'bilinear', num_classes=2)
    # a 2 x 2 square of cells becomes a disc-like blob centred on the same cells
    assert up[6:10, 6:10].all() and up[:4].sum() == 0 and up[:, :4].sum() == 0
    assert up.sum() < upsample(grid, 4).sum()        # its corners are cut
    # factor 2: the nearest pixel centre always carries weight 3/4 -> identical
    rng = np.random.default_rng(0)
    grid = rng.integers(0, 3, (6, 6))
    assert np.array_equal(upsample(grid, 2, 'bilinear', 3), upsample(grid, 2))
    # and majority subsampling inverts either upsampling at factor 2
    assert np.array_equal(subsample(upsample(grid, 2, 'bilinear', 3), 2, 'majority'), grid)


def test_tokenizer_options_select_the_rules_and_round_trip():
    cfg = dict(scheme='lac', mask_size=4, num_classes=3, starts='flat',
               subsample=dict(factor=4, mode='majority'), upsample='bilinear')
    tok = build_tokenizer(cfg)
    assert tok.config()['upsample'] == 'bilinear'
    assert build_tokenizer(tok.config()).config() == tok.config()
    mask = np.zeros((16, 16), np.uint8)
    mask[3:13, 2:9] = 1
    mask[9:16, 10:16] = 2
    grid = tok.subsample(mask)
    assert np.array_equal(tok.decode(tok.encode(mask).tokens)[0], grid)   # exact on S x S
    assert np.array_equal(tok.upsample(grid), upsample(grid, 4, 'bilinear', 3))
    assert tok.upsample(grid, (10, 12)).shape == (10, 12)
    # the default stays the paper's: top-left pixel, block repeat
    plain = build_tokenizer(dict(cfg, subsample=dict(factor=4), upsample='nearest'))
    assert plain.subsample_cfg['mode'] == 'nearest'
    assert np.array_equal(plain.upsample(grid), upsample(grid, 4))


@settings(max_examples=40, deadline=None)
@given(arrays(np.int64, (2, 5, 7), elements=st.integers(0, 3)),
       st.tuples(st.integers(1, 23), st.integers(1, 23)),
       st.sampled_from(['nearest', 'bilinear']))
def test_label_scores_are_the_soft_form_of_resize_labels(grids, size, mode):
    """(..., C, H', W') weights that sum to 1 per pixel and whose argmax (first maximum:
    ties to the lower class, like torch.argmax) is resize_labels at any size."""
    scores = label_scores(grids, size, 4, mode)
    assert scores.shape == (2, 4) + size and scores.dtype == np.float32
    assert np.allclose(scores.sum(axis=1), 1.0, atol=1e-5)
    assert np.array_equal(scores.argmax(axis=1), resize_labels(grids, size, mode, 4))
    if mode == 'bilinear':   # F.interpolate of the one-hot maps
        hot = F.one_hot(torch.from_numpy(grids), 4).permute(0, 3, 1, 2).float()
        ref = F.interpolate(hot, size=size, mode='bilinear', align_corners=False)
        assert np.allclose(scores, ref.numpy(), atol=1e-5)


def test_tokenizer_upsample_scores_follow_its_rule():
    grid = np.zeros((4, 4), np.int64)
    grid[1:3, 1:3] = 2
    for rule in ('nearest', 'bilinear'):
        tok = build_tokenizer(dict(scheme='lac', mask_size=4, num_classes=3, starts='flat',
                                   subsample=dict(factor=4), upsample=rule))
        scores = tok.upsample_scores(grid, (24, 20))
        assert scores.shape == (3, 24, 20)
        assert np.array_equal(scores.argmax(0), tok.upsample(grid, (24, 20)))
    assert np.unique(scores).size > 2          # bilinear weights, not one-hot


def test_bad_resampling_options_and_labels_fail_in_one_line():
    with pytest.raises(ValueError, match="upsample must be one of .*'cubic'"):
        build_tokenizer(dict(scheme='mc', mask_size=4, num_classes=3, upsample='cubic'))
    with pytest.raises(ValueError, match='subsample must be dict'):
        build_tokenizer(dict(scheme='mc', mask_size=4, num_classes=3,
                             subsample=dict(factor=2, mode='median')))
    with pytest.raises(ValueError, match='upsample must be one of'):
        build_tokenizer(dict(scheme='instance', mask_size=4, num_classes=3,
                             upsample='bilinear'))
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 2\), got 0..2"):
        upsample(np.array([[0, 2]]), 2, 'bilinear', num_classes=2)
    with pytest.raises(ValueError, match='mode must be one of'):
        resize_labels(np.zeros((2, 2)), (4, 4), 'area')
    with pytest.raises(ValueError, match='^label_scores: mode must be one of'):
        label_scores(np.zeros((2, 2)), (4, 4), 2, 'area')
    with pytest.raises(ValueError,
                       match=r"^label_scores: labels must lie in \[0, 2\), got 0..3"):
        label_scores(np.array([[0, 3]]), (4, 4), 2)
