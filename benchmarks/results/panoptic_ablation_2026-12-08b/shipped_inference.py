"""Val and test PQ of each ablation row at one inference, mean +/- sample std over its
seeds, from the outputs of ``panoptic_nuclei_2026-12-08/instance_scores.py``.

    python benchmarks/results/panoptic_ablation_2026-12-08b/shipped_inference.py \
        ROW=scores.txt [ROW=scores.txt ...] [--score mean] [--threshold 0.4]

Each ``scores.txt`` is what ``instance_scores.py [--disjoint] <seed dirs>`` printed: one
line per (run, split, score) with the PQ at every threshold. The row's PQ is read at
``--score`` and ``--threshold`` (the shipped inference: disjoint generation, mean token
probability, 0.4, when the file comes from a ``--disjoint`` run), per run, and printed as
a markdown table row (val, test, and the runs).
"""
import argparse
import re
import statistics

LINE = re.compile(r'^(?P<run>\S+) (?P<split>val|test) (?P<score>\w+): .*PQ at thresholds '
                  r'\((?P<thresholds>[^)]*)\): (?P<pq>[\d. ]+)$')


def read(path: str, score: str, threshold: float):
    """{split: {run: PQ}} at ``score`` / ``threshold``."""
    found = {'val': {}, 'test': {}}
    for line in open(path):
        match = LINE.match(line.strip())
        if not match or match['score'] != score:
            continue
        thresholds = [float(t) for t in match['thresholds'].split(',')]
        pqs = [float(v) for v in match['pq'].split()]
        found[match['split']][match['run']] = pqs[thresholds.index(threshold)]
    return found


def spread(values) -> str:
    values = list(values)
    if len(values) == 1:
        return f'{values[0]:.1f}'
    return f'{statistics.fmean(values):.1f} ± {statistics.stdev(values):.1f}'


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('rows', nargs='+', help='ROW=instance_scores output')
    parser.add_argument('--score', default='mean')
    parser.add_argument('--threshold', type=float, default=0.4)
    args = parser.parse_args()
    print(f'| row | runs | val PQ | test PQ | per run (val / test) |')
    print('|---|---|---|---|---|')
    for item in args.rows:
        name, path = item.split('=', 1)
        found = read(path, args.score, args.threshold)
        runs = sorted(found['val'])
        per_run = ', '.join(f"{found['val'][r]:.1f} / {found['test'][r]:.1f}" for r in runs)
        print(f"| {name} | {len(runs)} | {spread(found['val'][r] for r in runs)} | "
              f"{spread(found['test'][r] for r in runs)} | {per_run} |")


if __name__ == '__main__':
    main()
