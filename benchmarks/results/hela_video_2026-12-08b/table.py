"""One markdown row per model from benchmark records: val mDice at every learning-curve
point and at the end, test mDice / mRecall, tokens per frame (generated / ground truth),
truncated and malformed generations, mean ± sample std over the runs.

    python benchmarks/results/hela_video_2026-12-08b/table.py \
        "LABEL=work_dirs/x/config/seed_0,work_dirs/x/config/seed_1,..." [...]

Each LABEL names a row; its value lists run folders (``<work-dir>/<config>/seed_<k>``,
each with its ``benchmark_record.json``). Token columns are empty for dense models.
"""
import json
import os.path as osp
import statistics
import sys
from typing import List, Optional


def spread(values: List[float]) -> str:
    if not values:
        return '-'
    if len(values) == 1:
        return f'{values[0]:.1f}'
    return f'{statistics.fmean(values):.1f} ± {statistics.stdev(values):.1f}'


def mean(values: List[Optional[float]]) -> str:
    values = [v for v in values if v is not None]
    return f'{statistics.fmean(values):.1f}' if values else '-'


def row(label: str, dirs: List[str]) -> str:
    records = [json.load(open(osp.join(d, 'benchmark_record.json'))) for d in dirs]
    assert all(r['status'] == 'done' for r in records), f'{label}: a run is not done'
    steps = sorted({p['iter'] for r in records for p in r['train']['curve']
                    if p.get('split') == 'val'})
    curve = ' / '.join(
        f"{step}: {statistics.fmean(p['mDice'] for r in records for p in r['train']['curve'] if p['iter'] == step and p.get('split') == 'val'):.1f}"
        for step in steps)
    val = [r['eval']['val']['metrics']['mDice'] for r in records]
    test = [r['eval']['metrics'][k] for r in records for k in ('mDice',)]
    recall = [r['eval']['metrics']['mRecall'] for r in records]
    metric = [r['eval']['metrics'] for r in records]
    tokens = f"{mean([m.get('seq_tokens_per_frame', m.get('seq_tokens_per_image')) for m in metric])} / " \
             f"{mean([m.get('seq_gt_tokens_per_frame', m.get('seq_gt_tokens_per_image')) for m in metric])}"
    trunc = f"{mean([m.get('seq_truncated_pct') for m in metric])} / " \
            f"{mean([m.get('seq_malformed_pct') for m in metric])}"
    minutes = mean([r['train']['wall_s'] / 60.0 for r in records])
    return (f'| {label} | {len(records)} | {curve} | {spread(val)} | {spread(test)} | '
            f'{spread(recall)} | {tokens} | {trunc} | {minutes} |')


def main() -> None:
    print('| model | runs | val mDice curve (iteration: mean) | val mDice | test mDice | '
          'test mRecall | tokens / frame (generated / GT) | truncated / malformed % | '
          'train min |')
    print('|---|---|---|---|---|---|---|---|---|')
    for item in sys.argv[1:]:
        label, dirs = item.split('=', 1)
        print(row(label, dirs.split(',')))


if __name__ == '__main__':
    main()
