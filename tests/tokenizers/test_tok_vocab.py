"""Vocabulary layout: computed ranges, validation messages, serialisation, id arithmetic."""
import numpy as np
import pytest

from rleseg.tokenizers import build_tokenizer, tokenizer_from_layout
from rleseg.tokenizers.vocab import SPECIAL_TOKENS, VocabLayout


def test_paper_default_layout_fits_8000():
    tok = build_tokenizer(dict(scheme='mc', mask_size=80, num_classes=3, vocab_size=8000))
    lay = tok.layout
    assert lay.pad_id == 0 and lay.eos_id == 1
    assert set(lay.task_ids) == {'semantic', 'video', 'static_video', 'panoptic'}
    assert lay.size('start') == 6400 and lay.size('length') == 80 and lay.size('class') == 2
    assert lay.num_used == len(SPECIAL_TOKENS) + 6400 + 80 + 2 <= 8000
    assert tok.run_fields == ('start', 'length', 'class')


def test_ranges_per_scheme():
    lac = build_tokenizer(dict(scheme='lac', mask_size=80, num_classes=3))
    assert lac.run_fields == ('start', 'lac') and lac.layout.size('lac') == 160
    two_d = build_tokenizer(dict(scheme='bin', mask_size=(32, 48), starts='2d'))
    assert two_d.run_fields == ('row', 'col', 'length')
    assert two_d.layout.size('row') == 32 and two_d.layout.size('col') == 48
    assert two_d.max_length == 48  # one row
    assert build_tokenizer(dict(scheme='bin', mask_size=(32, 48), order='col')).max_length == 32


def test_validation_rejects_overlap_and_small_vocab():
    with pytest.raises(ValueError, match="overlaps"):
        VocabLayout(vocab_size=100, special={'pad': 0, 'eos': 1},
                    ranges={'start': (2, 50), 'length': (40, 60)}).validate()
    with pytest.raises(ValueError, match="overlaps"):
        VocabLayout(vocab_size=100, special={'pad': 0, 'eos': 1},
                    ranges={'start': (1, 50)}).validate()
    with pytest.raises(ValueError, match=r'needs 6488 token ids but vocab_size is 1000'):
        build_tokenizer(dict(scheme='mc', mask_size=80, num_classes=3, vocab_size=1000))
    with pytest.raises(ValueError, match='empty'):
        VocabLayout(vocab_size=10, special={'pad': 0, 'eos': 1},
                    ranges={'start': (5, 5)}).validate()
    with pytest.raises(ValueError, match='malformed'):
        VocabLayout.from_dict({'vocab_size': 3})


def test_serialisation_roundtrip_and_rebuild():
    tok = build_tokenizer(dict(scheme='lac', mask_size=16, num_classes=4, starts='2d',
                               order='col', max_length=5, vocab_size=500))
    d = tok.layout.to_dict()
    assert VocabLayout.from_dict(d) == tok.layout
    again = tokenizer_from_layout(d)
    assert again.layout == tok.layout and again.run_fields == tok.run_fields
    d_bad = dict(d, ranges=dict(d['ranges'], lac=[0, 3]))
    with pytest.raises(ValueError):
        build_tokenizer(dict(tok.config(), layout=d_bad))


def test_value_arithmetic_and_classify():
    tok = build_tokenizer(dict(scheme='mc', mask_size=8, num_classes=3))
    lay = tok.layout
    for name, base in (('start', 0), ('length', 1), ('class', 1)):
        lo, hi = lay.ranges[name]
        ids = np.arange(lo, hi)
        vals = lay.to_value(name, ids)
        assert vals[0] == base and np.array_equal(lay.to_id(name, vals), ids)
        assert lay.offset(name) == lo
    ids = np.array([0, 1, 2, lay.ranges['class'][0], lay.ranges['length'][0],
                    lay.ranges['start'][1] - 1, lay.vocab_size, -3])
    assert lay.classify(ids, tok.run_fields).tolist() == [-1, -1, -1, 2, 1, 0, -1, -1]
