"""The token model's tokenizer derived from the training masks."""
import numpy as np
import pytest

from rleseg.benchmark.derive import StepCost, ceiling_mdice, derive_tokenizer
from rleseg.tokenizers import build_tokenizer


def _discs(count: int, size: int = 64, radius: float = 9.0, seed: int = 0):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size]
    masks = []
    for _ in range(count):
        mask = np.zeros((size, size), np.int64)
        for _ in range(4):
            cy, cx = rng.uniform(8, size - 8, 2)
            mask[(yy - cy) ** 2 + (xx - cx) ** 2 <= radius ** 2] = 1
        masks.append(mask)
    return masks


def test_a_coarser_grid_has_a_lower_ceiling():
    masks = _discs(6)
    ceilings = {}
    for factor in (1, 4, 16):
        size = 64 // factor
        tok = build_tokenizer(dict(scheme='lac', mask_size=size, num_classes=2,
                                   max_length=size, max_seq_len=4096, starts='2d',
                                   subsample=dict(factor=factor, mode='nearest')))
        ceilings[factor] = ceiling_mdice(tok, masks, 2)
    assert ceilings[1] == pytest.approx(100.0)
    assert ceilings[16] < ceilings[4] < 100.0


def test_majority_subsampling_and_bilinear_upsampling_raise_the_ceiling():
    """On discs the top-left pixel shifts the mask by (k - 1) / 2 pixels and block repeat
    leaves staircases; block majority and bilinear upsampling remove both."""
    masks = _discs(6)
    base = dict(scheme='lac', mask_size=16, num_classes=2, max_length=16, max_seq_len=4096)
    ceilings = [ceiling_mdice(build_tokenizer(dict(base, subsample=dict(factor=4, mode=sub),
                                                   upsample=up)), masks, 2)
                for sub, up in (('nearest', 'nearest'), ('majority', 'nearest'),
                                ('majority', 'bilinear'))]
    assert ceilings[0] < ceilings[1] < ceilings[2] < 100.0
    # the derivation keeps both rules of its base and scores its candidates with them
    derived = derive_tokenizer(masks, num_classes=2, base=dict(
        scheme='lac', starts='2d', subsample=dict(mode='majority'), upsample='bilinear'))
    assert derived.tokenizer['subsample']['mode'] == 'majority'
    assert derived.tokenizer['upsample'] == 'bilinear'
    at_16 = [c for c in derived.candidates if c.mask_size == 16]
    assert at_16 and at_16[0].ceiling == pytest.approx(ceilings[2])


def test_derivation_keeps_the_ceiling_and_covers_the_lengths():
    masks = _discs(20)
    derived = derive_tokenizer(masks, num_classes=2, min_ceiling_dice=95.0)
    chosen = derived.chosen
    assert chosen.ceiling >= 95.0
    coarser = [c for c in derived.candidates if c.factor > chosen.factor]
    assert all(c.ceiling < 95.0 for c in coarser)  # the coarsest that keeps it
    tok = derived.tokenizer
    assert tok['mask_size'] * tok['subsample']['factor'] == 64
    assert tok['max_length'] == tok['mask_size'] and tok['max_seq_len'] % 8 == 0
    lengths = [build_tokenizer(tok).count_tokens(m) for m in masks]
    assert np.mean(np.array(lengths) <= tok['max_seq_len']) >= 0.95
    assert 'chosen: S = ' in derived.describe()


def test_masks_it_cannot_use_are_refused_in_one_line():
    with pytest.raises(ValueError, match='no training masks'):
        derive_tokenizer([], num_classes=2)
    with pytest.raises(ValueError, match='square and of one size'):
        derive_tokenizer([np.zeros((64, 48), np.int64)], num_classes=2)


def _cost_by_size(seconds: dict, timed: list):
    """A step-cost function of the mask size (seconds per S), recording what it timed."""
    def step_cost(tokenizer: dict) -> StepCost:
        timed.append(tokenizer['mask_size'])
        return StepCost(seconds[tokenizer['mask_size']], peak_mib=100.0)
    return step_cost


def test_the_coarsest_grid_that_keeps_the_ceiling_is_kept_when_it_fits_the_budget():
    masks, timed = _discs(6), []
    seconds = {4: 0.01, 8: 0.02, 16: 0.05, 32: 0.4, 64: 6.0}
    free = derive_tokenizer(masks, num_classes=2, min_ceiling_dice=95.0)
    derived = derive_tokenizer(masks, num_classes=2, min_ceiling_dice=95.0,
                               step_cost=_cost_by_size(seconds, timed),
                               max_sec_per_iter=100.0, budget_note='test budget')
    assert derived.chosen.mask_size == free.chosen.mask_size and not derived.given_up
    assert timed == [4, 8, 16, 32, 64]  # all within the budget: every S timed
    text = derived.describe()
    assert 'step budget 100.000 s' in text and 'test budget' in text
    assert 'step 0.050 s, 100 MiB' in text and 'OVER BUDGET' not in text


def test_a_grid_over_the_budget_gives_way_to_the_finest_that_fits_and_says_so():
    masks, timed = _discs(6), []
    seconds = {4: 0.01, 8: 0.02, 16: 0.05, 32: 0.4, 64: 6.0}
    free = derive_tokenizer(masks, num_classes=2, min_ceiling_dice=99.0)
    assert free.chosen.mask_size == 64    # only S = P keeps 99 on these discs
    derived = derive_tokenizer(masks, num_classes=2, min_ceiling_dice=99.0,
                               step_cost=_cost_by_size(seconds, timed),
                               max_sec_per_iter=0.1)
    assert derived.chosen.mask_size == 16 and derived.tokenizer['mask_size'] == 16
    assert derived.tokenizer['max_seq_len'] == derived.chosen.max_seq_len
    assert timed == [4, 8, 16, 32]        # S = 64 is finer than an S over the budget
    (given_up,) = derived.given_up
    assert 'S = 64 would keep a ceiling of 100.0' in given_up
    assert 'over the budget of 0.100 s; S = 16 keeps' in given_up
    assert '--max-step-ratio' in given_up
    text = derived.describe()
    assert 'step 0.400 s, 100 MiB  OVER BUDGET' in text
    assert 'step not timed (finer than an S over the budget)' in text
    assert 'given up: S = 64' in text


def test_when_no_grid_fits_the_budget_none_is_chosen():
    with pytest.raises(ValueError, match=r'even the coarsest mask grid, S = 4, takes 1.000 s'
                                         r' per training step, over the budget of 0.100 s'):
        derive_tokenizer(_discs(4), num_classes=2, min_ceiling_dice=90.0,
                         step_cost=lambda tok: StepCost(1.0), max_sec_per_iter=0.1)
