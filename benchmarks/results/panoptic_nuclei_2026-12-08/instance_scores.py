"""How well each instance score of the instance-token model ranks its instances, and the
PQ of dropping low-scoring instances (``score_thr``), chosen on val, read on test.

For every run directory given (a benchmark run: ``<work-dir>/<config>/seed_<k>/`` with its
composed config and last checkpoint), every ``instance_score`` option and every split:
the model predicts each crop once; each predicted instance is a true positive when it
matches a ground-truth nucleus (IoU > 0.5, the PQ rule), else a false positive. Printed:
the ROC AUC of the score between true and false positives (how well it ranks), and PQ
for each threshold; the threshold of best mean val PQ over the runs is the choice, its
test PQ is reported.

    python benchmarks/results/panoptic_nuclei_2026-12-08/instance_scores.py \
        work_dirs/h1_panoptic/p2s_rle_nuclei_panoptic_tiny/seed_{0,1,2}

``--disjoint`` first generates under the disjoint group grammar
(``disjoint_instances=True``: no run over a cell an earlier instance covers) instead of
the trained config's grammar; the PQ at threshold 0 is then that option's PQ.
"""
import json
import os.path as osp
import sys
from typing import Dict, List

import numpy as np
import torch
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS, MODELS

import rleseg  # noqa: F401  (registers rleseg's modules)
from rleseg.engine import load_config
from rleseg.engine.checkpoint import load_checkpoint_safely
from rleseg.evaluation.panoptic_metric import panoptic_counts, pq_from_counts
from rleseg.models.panoptic_segmentor import INSTANCE_SCORES

THRESHOLDS = (0.0, 0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def predictions(run_dir: str, split: str, disjoint: bool) -> List[dict]:
    """Per crop of ``split``: ground truth, instance masks (G, H, W) and the scores of
    every INSTANCE_SCORES option."""
    record = json.load(open(osp.join(run_dir, 'benchmark_record.json')))
    cfg = load_config(osp.join(run_dir, osp.basename(record['config'])))
    cfg.model.update(disjoint_instances=disjoint, score_thr=0.0)  # thresholds: below
    model = MODELS.build(cfg.model)
    last = osp.basename(open(osp.join(run_dir, 'last_checkpoint')).read().strip())
    state = load_checkpoint_safely(osp.join(run_dir, last), map_location='cpu')['state_dict']
    model.load_state_dict(state)
    model.eval()
    dataset_cfg = cfg.test_dataloader.dataset          # the test split's; 'val' swapped in
    dataset_cfg.data_prefix = {k: v.replace('/test', f'/{split}')
                               for k, v in dataset_cfg.data_prefix.items()}
    dataset = DATASETS.build(dataset_cfg)
    out = []
    for i in range(len(dataset)):
        data = model.data_preprocessor(pseudo_collate([dataset[i]]), training=False)
        crop = {}
        for mode in INSTANCE_SCORES:
            model.instance_score = mode
            sample = model.predict(data['inputs'], data['data_samples'])[0]
            crop[mode] = sample.pred_instances.scores.numpy()
        masks = sample.pred_instances.masks.numpy()
        painted = masks.reshape(len(masks), -1).any(1)   # groups painted over are not scored
        crop.update({mode: crop[mode][painted] for mode in INSTANCE_SCORES},
                    masks=masks[painted], hidden=int((~painted).sum()))
        crop['gt_sem'] = sample.gt_sem_seg.data[0].numpy()
        crop['gt_inst'] = sample.gt_instance_map.data[0].numpy()
        out.append(crop)
    return out


def matched(crop: dict) -> np.ndarray:
    """(G,) bool: each predicted instance matches a ground-truth one (IoU > 0.5)."""
    hits = []
    for mask in crop['masks']:
        ids, counts = np.unique(crop['gt_inst'][mask], return_counts=True)
        ok = False
        for ident, inter in zip(ids, counts):
            if ident == 0:
                continue
            union = mask.sum() + (crop['gt_inst'] == ident).sum() - inter
            ok |= inter / union > 0.5
        hits.append(ok)
    return np.array(hits, bool)


def pq_at(crops: List[dict], mode: str, threshold: float) -> float:
    """PQ (%) over the crops keeping the instances scoring >= threshold."""
    counts = 0
    for crop in crops:
        keep = crop[mode] >= threshold
        inst = np.zeros(crop['gt_sem'].shape, np.int64)
        for ident, mask in enumerate(crop['masks'][keep], start=1):
            inst[mask] = ident
        counts = counts + panoptic_counts((inst > 0).astype(np.int64), inst,
                                          crop['gt_sem'], crop['gt_inst'], 2)
    return 100.0 * float(pq_from_counts(counts)[0]['PQ'][1])


def auc(scores: np.ndarray, positive: np.ndarray) -> float:
    """ROC AUC of ``scores`` between positives and negatives (ties count half)."""
    pos, neg = scores[positive], scores[~positive]
    if not len(pos) or not len(neg):
        return float('nan')
    greater = (pos[:, None] > neg[None]).mean()
    return float(greater + 0.5 * (pos[:, None] == neg[None]).mean())


def main(run_dirs: List[str]) -> None:
    disjoint = bool(run_dirs) and run_dirs[0] == '--disjoint'
    run_dirs = run_dirs[1:] if disjoint else run_dirs
    init_default_scope('mmseg')
    torch.set_num_threads(1)
    results: Dict[str, Dict[str, list]] = {}
    for run_dir in run_dirs:
        for split in ('val', 'test'):
            crops = predictions(run_dir, split, disjoint)
            hit = np.concatenate([matched(c) for c in crops])
            for mode in INSTANCE_SCORES:
                scores = np.concatenate([c[mode] for c in crops])
                pqs = [pq_at(crops, mode, t) for t in THRESHOLDS]
                results.setdefault(mode, {}).setdefault(split, []).append(pqs)
                print(f'{run_dir} {split} {mode}: {hit.sum()} TP / {(~hit).sum()} FP '
                      f'instances ({sum(c["hidden"] for c in crops)} more painted over), '
                      f'ROC AUC {auc(scores, hit):.3f}, PQ at thresholds '
                      f'{THRESHOLDS}: {" ".join(f"{p:.1f}" for p in pqs)}')
    for mode in INSTANCE_SCORES:
        val = np.mean(results[mode]['val'], axis=0)
        best = int(np.argmax(val))
        test = np.array(results[mode]['test'])[:, best]
        print(f'{mode}: chosen on val threshold {THRESHOLDS[best]} (val PQ {val[best]:.1f}, '
              f'at 0: {val[0]:.1f}); test PQ {test.mean():.1f} +/- '
              f'{test.std(ddof=1) if len(test) > 1 else 0.0:.1f} '
              f'(at 0: {np.mean(results[mode]["test"], axis=0)[0]:.1f})')


if __name__ == '__main__':
    main(sys.argv[1:])
