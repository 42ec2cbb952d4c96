"""Sequence statistics: token counts per scheme, dataset aggregates, truncation rate."""
import numpy as np
import pytest

from rleseg.tokenizers import build_tokenizer, dataset_stats, scheme_token_counts
from rleseg.tokenizers.stats import sequence_stats

EXAMPLE = np.array([[0, 1, 1, 0],
                    [0, 1, 1, 2],
                    [2, 2, 0, 0],
                    [0, 0, 0, 0]], np.uint8)


def test_token_counts_per_scheme_on_worked_example():
    counts = scheme_token_counts(EXAMPLE, ['mc', 'lac', 'classwise'],
                                 dict(mask_size=4, num_classes=3, max_length=4))
    # 3 runs: mc 2 + 3*3, lac 2 + 2*3; classwise: 3 runs * 2 + 2 class tokens + 2
    assert counts == {'mc': 11, 'lac': 8, 'classwise': 10}
    two_d = scheme_token_counts(EXAMPLE, ['mc'], dict(mask_size=4, num_classes=3,
                                                      max_length=4, starts='2d'))
    assert two_d == {'mc': 14}


def test_sequence_and_dataset_stats_report_truncation():
    tok = build_tokenizer(dict(scheme='mc', mask_size=4, num_classes=3, max_length=4,
                               max_seq_len=8))
    s = sequence_stats(tok, EXAMPLE)
    assert s == dict(num_runs=3, num_tokens_needed=11, num_tokens=8,
                     num_truncated_runs=1, truncated=1)
    masks = [EXAMPLE, np.zeros((4, 4), np.uint8), (EXAMPLE == 1).astype(np.uint8)]
    d = dataset_stats(tok, masks)
    assert d['num_masks'] == 3 and d['tokens_max'] == 11
    assert d['truncation_rate'] == pytest.approx(1 / 3)
    assert d['empty_rate'] == pytest.approx(1 / 3)
    assert d['tokens_mean'] == pytest.approx((11 + 2 + 8) / 3)
    with pytest.raises(ValueError, match='no masks'):
        dataset_stats(tok, [])
