"""Validation table of the roads token-lever runs, from their benchmark records.

    python benchmarks/results/rare_fg_roads_tokens_2026-12-07/val_table.py \
        work_dirs/rare_fg_tokens > val_table.md

One row per model folder of the work dir (seeds pooled: mean +/- sample std over the
seeds' validation scores, the other columns means). Validation split only: the test
split is read once, for the model ``--select`` chose (``benchmark_*_selection.md``).
"""
import argparse
import glob
import json
import os.path as osp
from statistics import mean, stdev

COLUMNS = (('mDice', 'val mDice'), ('dataset_mDice', 'val mDice (dataset)'),
           ('dataset_Recall_road', 'road recall (dataset)'),
           ('dataset_Precision_road', 'road precision (dataset)'),
           ('seq_tokens_per_image', 'tokens/img'), ('seq_runs_per_image', 'runs/img'),
           ('seq_no_run_pct', '% ending before a run'))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('work_dir')
    args = parser.parse_args()
    rows = {}
    for path in sorted(glob.glob(osp.join(args.work_dir, '*', 'seed_*',
                                          'benchmark_record.json'))):
        with open(path, encoding='utf-8') as file:
            record = json.load(file)
        val = ((record.get('eval') or {}).get('val') or {}).get('metrics')
        if record.get('status') == 'done' and val:
            rows.setdefault(record['name'], []).append(val)
    print('| model | n | ' + ' | '.join(title for _, title in COLUMNS) + ' |')
    print('|---|---|' + '---|' * len(COLUMNS))
    for name, runs in rows.items():
        cells = []
        for key, _ in COLUMNS:
            values = [float(r[key]) for r in runs if key in r]
            if not values:
                cells.append('—')
            elif key == 'mDice':
                spread = stdev(values) if len(values) > 1 else 0.0
                cells.append(f'{mean(values):.1f} ± {spread:.1f}')
            else:
                cells.append(f'{mean(values):.1f}')
        print(f'| {name} | {len(runs)} | ' + ' | '.join(cells) + ' |')


if __name__ == '__main__':
    main()
