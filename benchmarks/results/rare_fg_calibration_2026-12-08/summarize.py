"""The plain and the calibrated (--calibrate) scores of every model of a benchmark, from
its per-run CSV: mean ± sample std over seeds, the bias chosen for each seed.

    python benchmarks/results/rare_fg_calibration_2026-12-08/summarize.py \
        benchmarks/results/rare_fg_calibration_2026-12-08/roads/benchmark_roads_runs.csv

Scores in %; "dataset" scores come from pixel counts over the whole split, mean over the
foreground classes; mDice is the benchmark's per-image convention.
"""
import csv
import statistics
import sys

COLUMNS = (  # (header, plain key, calibrated key)
    ('val mDice', 'val_mDice', 'cal_val_mDice'),
    ('test mDice', 'mDice', 'cal_mDice'),
    ('val mDice (dataset)', 'val_dataset_mDice', 'cal_val_dataset_mDice'),
    ('test mDice (dataset)', 'dataset_mDice', 'cal_dataset_mDice'),
    ('test mRecall (dataset)', 'dataset_mRecall', 'cal_dataset_mRecall'),
)


def spread(values):
    numbers = [float(v) for v in values if v not in ('', None)]
    if len(numbers) != len(values):
        return '—'
    std = f' ± {statistics.stdev(numbers):.1f}' if len(numbers) > 1 else ''
    return f'{statistics.fmean(numbers):.1f}{std}'


def main(path):
    with open(path, encoding='utf-8') as file:
        runs = [row for row in csv.DictReader(file) if row['status'] == 'done']
    models = list(dict.fromkeys(row['model'] for row in runs))
    print('| model | n | chosen on val (seed: bias) | '
          + ' | '.join(f'{h} plain → cal.' for h, _, _ in COLUMNS) + ' |')
    print('|' + '---|' * (3 + len(COLUMNS)))
    for model in models:
        rows = [row for row in runs if row['model'] == model]
        biases = ', '.join(f"{row['seed']}: {row.get('cal_bias') or '—'}" for row in rows)
        cells = [f'{spread([r[plain] for r in rows])} → {spread([r.get(cal) for r in rows])}'
                 for _, plain, cal in COLUMNS]
        print(f'| {model} | {len(rows)} | {biases} | ' + ' | '.join(cells) + ' |')


if __name__ == '__main__':
    main(sys.argv[1])
