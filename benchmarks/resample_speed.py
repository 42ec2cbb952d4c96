"""Cost of the tokenizer's resampling rules, against encoding the same mask.

For each case (input size P, factor k, classes C; masks of random disks, as in
``tokenizer_speed.py``) it times, in one process and interleaved round by round:

* ``encode``               the tokenizer's ``encode`` of the P x P mask (subsampling with
                           the spec's 'nearest' rule included): the reference
* ``subsample <mode>``     ``subsample`` P x P -> S x S for 'nearest', 'any', 'majority'
* ``upsample <mode>``      the decoded S x S grid -> P x P for 'nearest', 'bilinear'

Reported: median microseconds per call over the rounds and each as a ratio of
``encode`` (how much a rule adds to tokenising a sample; ``upsample`` runs once per
predicted patch at test time).

Usage::

    python benchmarks/resample_speed.py [--rounds 40] [--out benchmarks/results/resample_speed.md]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Dict, List

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from rleseg.tokenizers import build_tokenizer  # noqa: E402
from rleseg.tokenizers.masks import subsample, upsample  # noqa: E402

from tokenizer_speed import cpu_model, make_mask  # noqa: E402

# (P, k, classes incl. background, disks)
CASES = [(640, 8, 3, 40), (640, 8, 2, 40), (64, 4, 2, 4), (64, 4, 3, 4)]
SUBSAMPLE = ('nearest', 'any', 'majority')
UPSAMPLE = ('nearest', 'bilinear')


def median_us(calls: Dict[str, Callable[[], object]], rounds: int) -> Dict[str, float]:
    """Median microseconds of each call, interleaved round by round."""
    times: Dict[str, List[float]] = {name: [] for name in calls}
    for _ in range(rounds):
        for name, call in calls.items():
            start = time.perf_counter()
            call()
            times[name].append((time.perf_counter() - start) * 1e6)
    return {name: float(np.median(t)) for name, t in times.items()}


def run_case(size: int, factor: int, classes: int, disks: int, rounds: int) -> str:
    mask = make_mask(size, classes, disks)
    grid = subsample(mask, factor, 'majority')
    tok = build_tokenizer(dict(scheme='lac', mask_size=size // factor, num_classes=classes,
                               max_seq_len=8 * size * size // factor ** 2,
                               subsample=dict(factor=factor, mode='nearest')))
    calls: Dict[str, Callable[[], object]] = {'encode': lambda: tok.encode(mask)}
    for mode in SUBSAMPLE:
        calls[f'subsample {mode}'] = lambda mode=mode: subsample(mask, factor, mode)
    for mode in UPSAMPLE:
        calls[f'upsample {mode}'] = lambda mode=mode: upsample(grid, factor, mode, classes)
    med = median_us(calls, rounds)
    cells = [f"{med[name]:.0f} ({med[name] / med['encode']:.2f})" for name in calls]
    return f'| {size}² → {size // factor}², C={classes} | ' + ' | '.join(cells) + ' |'


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--rounds', type=int, default=40)
    parser.add_argument('--out', default=None, help='write the markdown table here too')
    args = parser.parse_args()
    header = ['case', 'encode'] + [f'subsample {m}' for m in SUBSAMPLE] + \
        [f'upsample {m}' for m in UPSAMPLE]
    lines = ['# Resampling cost', '',
             f'- machine: {cpu_model()} ({os.cpu_count()} cores); numpy {np.__version__}',
             f"- date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC",
             f'- command: `python benchmarks/resample_speed.py --rounds {args.rounds}`', '',
             '| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    lines += [run_case(*case, args.rounds) for case in CASES]
    lines += ['', 'Median microseconds per call over interleaved rounds; in brackets the '
              'ratio to `encode` of the same mask (the spec\'s nearest subsampling '
              'included).']
    text = '\n'.join(lines) + '\n'
    print(text)
    if args.out:
        Path(args.out).write_text(text)


if __name__ == '__main__':
    main()
