"""The token ids and layouts printed in docs/tokenizer.md are what the tokenizer makes.

The page's worked example and vocabulary-layout table are parsed and recomputed, so the
documentation cannot drift from the code.
"""
import re
from pathlib import Path

import numpy as np

from rleseg.tokenizers import build_tokenizer

DOC = Path(__file__).resolve().parents[2] / 'docs' / 'tokenizer.md'
EXAMPLE = np.array([[0, 1, 1, 0], [0, 1, 1, 2], [2, 2, 0, 0], [0, 0, 0, 0]])
#: Instance ids of the example: the class-1 blob, the class-2 pixels of row 2, the
#: class-2 pixel at (1, 3) (as the page describes them).
INSTANCES = np.array([[0, 1, 1, 0], [0, 1, 1, 3], [2, 2, 0, 0], [0, 0, 0, 0]])


def _section(title: str) -> str:
    text = DOC.read_text(encoding='utf-8')
    start = text.index(f'## {title}\n')
    end = text.find('\n## ', start + 1)
    return text[start:end if end > 0 else None]


def _ranges(cell: str) -> dict:
    """'lac [6, 14), start [14, 30)' -> {'lac': (6, 14), 'start': (14, 30)}."""
    return {name: (int(lo), int(hi))
            for name, lo, hi in re.findall(r'(\w+) \[(\d+), (\d+)\)', cell)}


def _ids(cell: str) -> list:
    return [int(v) for v in re.findall(r'\d+', cell)]


def _encoded(tok, *masks) -> list:
    enc = tok.encode(*masks)
    return enc.tokens[:enc.num_tokens].tolist()


def test_worked_example_ids_match_the_encoder():
    rows = re.findall(r'^\| `(\w+)`, (flat|2-D) \| ([^|]+) \| ([^|]+) \|$',
                      _section('Worked example'), flags=re.M)
    assert len(rows) == 3, rows
    for scheme, starts, layout, ids in rows:
        tok = build_tokenizer(dict(scheme=scheme, mask_size=4, num_classes=3, max_length=4,
                                   starts='2d' if starts == '2-D' else 'flat',
                                   max_seq_len=16))
        assert tok.layout.ranges == _ranges(layout), (scheme, starts)
        assert _encoded(tok, EXAMPLE) == _ids(ids), (scheme, starts)


def test_worked_example_instance_sequence_matches_the_encoder():
    text = _section('Worked example')
    layout = re.search(r'the `instance` scheme \((.*?)\) gives', text, re.S).group(1)
    ids = re.search(r'gives `([\d ,]+)`', text).group(1)
    tok = build_tokenizer(dict(scheme='instance', mask_size=4, num_classes=3, max_length=4,
                               max_seq_len=32))
    assert tok.layout.ranges == _ranges(layout)
    assert _encoded(tok, EXAMPLE, INSTANCES) == _ids(ids)


def test_layout_examples_match_build_tokenizer():
    configs = {
        'paper image model': dict(scheme='lac', mask_size=80, num_classes=3),
        'tiny nuclei model': dict(scheme='lac', mask_size=16, num_classes=2),
        'paper video model': dict(scheme='tac', mask_size=80, num_classes=3, window=8),
        'paper panoptic model': dict(scheme='instance', mask_size=80, num_classes=3),
    }
    rows = re.findall(r'^\| ([a-z ]+): [^|]+ \| ([^|]+) \| (\d+) \|$',
                      _section('Vocabulary layout'), flags=re.M)
    assert sorted(name for name, _, _ in rows) == sorted(configs), rows
    for name, layout, size in rows:
        tok = build_tokenizer(configs[name])
        assert tok.layout.ranges == _ranges(layout), name
        assert tok.layout.vocab_size == int(size), name
