"""The README table of this folder from the benchmark records of the runs.

Each argument is ``label=run_dir[,run_dir...]`` (benchmark run directories
``<work-dir>/<config>/seed_<k>/``); one markdown row per label: val and test PQ / SQ / RQ
of the final checkpoint (mean +/- sample std over the runs), the validation curve's PQ at
each point, test truncated / malformed generations (%), generated and ground-truth tokens
per test image, the test token ceiling PQ (ground-truth tokens decoded; token models
only) and the training time.

    python benchmarks/results/panoptic_nuclei_2026-12-08/table.py \
        shipped=work_dirs/h1_panoptic/p2s_rle_nuclei_panoptic_tiny/seed_1,...
"""
import json
import os.path as osp
import sys
from typing import List

import numpy as np


def spread(values: List[float]) -> str:
    """'m +/- s' (sample std) or 'm' for one value; '-' for none."""
    values = [v for v in values if v is not None]
    if not values:
        return '-'
    if len(values) == 1:
        return f'{values[0]:.1f}'
    return f'{np.mean(values):.1f} ± {np.std(values, ddof=1):.1f}'


def row(label: str, run_dirs: List[str]) -> str:
    records = [json.load(open(osp.join(d, 'benchmark_record.json'))) for d in run_dirs]
    test = [r['eval']['metrics'] for r in records]
    val = [r['eval']['val']['metrics'] for r in records]
    ceiling = [(r['eval'].get('ceiling') or {}).get('PQ') for r in records]
    curve = {}
    for r in records:
        for point in r['train'].get('curve') or []:
            if point.get('split') == 'val' and point.get('PQ') is not None:
                curve.setdefault(point['iter'], []).append(point['PQ'])
    iters = records[0]['train']['iters']
    curve.setdefault(iters, [])
    curve[iters] = curve[iters] or [v['PQ'] for v in val]
    curve_text = ' / '.join(f'{k}: {np.mean(v):.1f}' for k, v in sorted(curve.items()))
    cells = [label, str(len(records)),
             *(spread([m[k] for m in val]) for k in ('PQ', 'SQ', 'RQ')),
             *(spread([m[k] for m in test]) for k in ('PQ', 'SQ', 'RQ', 'mDice')),
             curve_text,
             spread([m.get('seq_truncated_pct') for m in test]),
             spread([m.get('seq_malformed_pct') for m in test]),
             f"{spread([m.get('seq_tokens_per_image') for m in test])} / "
             f"{spread([m.get('seq_gt_tokens_per_image') for m in test])}",
             spread(ceiling),
             spread([r['train']['train_s'] / 60 for r in records])]
    return '| ' + ' | '.join(cells) + ' |'


HEADER = ('| row | runs | val PQ | val SQ | val RQ | test PQ | test SQ | test RQ | test mDice | '
          'val PQ curve (iteration: mean) | truncated % | malformed % | tokens / image '
          '(generated / ground truth) | test ceiling PQ | train min |')


def main(args: List[str]) -> None:
    print(HEADER)
    print('|' + '---|' * (HEADER.count('|') - 1))
    for arg in args:
        label, dirs = arg.split('=', 1)
        print(row(label, dirs.split(',')))


if __name__ == '__main__':
    main(sys.argv[1:])
