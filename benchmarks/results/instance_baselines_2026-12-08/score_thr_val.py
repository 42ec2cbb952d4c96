"""The instance models' score threshold (DetectorSegmentor.score_thr) chosen on val.

For every model, the final checkpoint of each seed of a benchmark work directory is
scored on the validation split with each threshold; the threshold of the best mean
validation PQ over the seeds is then scored once on the test split (the same
evaluators as the benchmark: PerClassSegMetric and PanopticQualityMetric).

    python benchmarks/results/instance_baselines_2026-12-08/score_thr_val.py \
        work_dirs/h2_nuclei_panoptic maskrcnn_nuclei_panoptic_tiny \
        mask2former_instance_nuclei_panoptic_tiny --thresholds 0.3 0.5 0.7
"""
import argparse
import glob
import os.path as osp
import re
from typing import Dict, List

import numpy as np
from mmengine.evaluator import Evaluator
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmseg.registry import MODELS

import rleseg  # noqa: F401  (registers rleseg's modules)
from rleseg.benchmark.curves import evaluate
from rleseg.engine import load_checkpoint_safely, load_config


def final_checkpoint(run_dir: str) -> str:
    """The checkpoint of the highest iteration count in a run directory."""
    paths = glob.glob(osp.join(run_dir, 'iter_*.pth'))
    if not paths:
        raise FileNotFoundError(f'no iter_*.pth in {run_dir}')
    return max(paths, key=lambda p: int(re.search(r'iter_(\d+)\.pth', p).group(1)))


def score(cfg, model, split: str, threshold: float) -> Dict[str, float]:
    """PQ and mDice of ``model`` on ``split`` ('val' / 'test') at ``threshold``."""
    model.score_thr = threshold
    loader = Runner.build_dataloader(cfg[f'{split}_dataloader'])
    evaluator = Evaluator([dict(m, log_table=False) for m in cfg[f'{split}_evaluator']])
    evaluator.dataset_meta = loader.dataset.metainfo
    metrics = evaluate(model, loader, evaluator)
    return dict(PQ=metrics['PQ'], mDice=metrics['mDice'])


def main(work_dir: str, names: List[str], thresholds: List[float]) -> None:
    init_default_scope('mmseg')
    for name in names:
        cfg = load_config(osp.join('configs', f'{name}.py'))
        models = []
        for run_dir in sorted(glob.glob(osp.join(work_dir, name, 'seed_*'))):
            model = MODELS.build(cfg.model)
            path = final_checkpoint(run_dir)
            model.load_state_dict(load_checkpoint_safely(path)['state_dict'])
            models.append((path, model.eval()))
        val = {thr: [score(cfg, model, 'val', thr) for _, model in models]
               for thr in thresholds}
        print(f'{name}: {len(models)} seeds ({", ".join(p for p, _ in models)})')
        for thr, scores in val.items():
            pq = np.array([s['PQ'] for s in scores])
            dice = np.array([s['mDice'] for s in scores])
            print(f'  score_thr {thr}: val PQ {pq.mean():.1f} +/- {pq.std(ddof=1):.1f} '
                  f'(seeds {", ".join(f"{v:.1f}" for v in pq)}), val mDice '
                  f'{dice.mean():.1f}')
        best = max(thresholds, key=lambda t: np.mean([s['PQ'] for s in val[t]]))
        test = np.array([score(cfg, model, 'test', best)['PQ'] for _, model in models])
        print(f'  chosen on val: score_thr {best}; test PQ {test.mean():.1f} +/- '
              f'{test.std(ddof=1):.1f} (seeds {", ".join(f"{v:.1f}" for v in test)})')


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('work_dir')
    parser.add_argument('names', nargs='+', help='config names under configs/')
    parser.add_argument('--thresholds', type=float, nargs='+', default=[0.3, 0.5, 0.7])
    args = parser.parse_args()
    main(args.work_dir, args.names, args.thresholds)
