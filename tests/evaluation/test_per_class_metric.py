"""PerClassSegMetric: registry, output keys, NaN-free exclusion, agreement with mmseg."""
import math

import numpy as np
import pytest
import torch
from mmseg.evaluation import IoUMetric
from mmseg.registry import METRICS

import rleseg  # noqa: F401  (registers PerClassSegMetric)
from rleseg.evaluation import PerClassSegMetric

CLASSES = ('background', 'ipsc', 'diff')


def sample(pred, gt, **extra):
    """A data sample as the evaluator hands it to ``process`` (a dict)."""
    return dict(pred_sem_seg=dict(data=torch.as_tensor(pred)[None]),
                gt_sem_seg=dict(data=torch.as_tensor(gt)[None]), **extra)


def evaluate(metric, samples):
    metric.dataset_meta = dict(classes=CLASSES)
    metric.process({}, samples)
    return metric.evaluate(len(samples))


def test_registered_and_built_from_config():
    metric = METRICS.build(dict(type='PerClassSegMetric', ignore_index=255))
    assert isinstance(metric, PerClassSegMetric)


def test_keys_values_and_exclusion_without_nan():
    gt = np.array([[0, 1], [1, 0]])
    pred = np.array([[0, 0], [1, 0]])  # class 'diff' absent everywhere
    metrics = evaluate(PerClassSegMetric(), [sample(pred, gt)])
    assert metrics['Recall_ipsc'] == pytest.approx(50.0)
    assert metrics['Precision_ipsc'] == pytest.approx(100.0)
    assert metrics['Dice_ipsc'] == pytest.approx(100 * 2 / 3)
    assert metrics['IoU_ipsc'] == pytest.approx(50.0)
    # Means are over evaluated foreground classes only: here just 'ipsc'.
    assert metrics['mDice'] == pytest.approx(metrics['Dice_ipsc'])
    assert metrics['dataset_mIoU'] == pytest.approx(50.0)
    assert metrics['aAcc'] == pytest.approx(75.0)
    assert metrics['num_images'] == 1
    assert not any(key.endswith('_diff') for key in metrics)
    assert 'Dice_background' in metrics
    assert all(math.isfinite(value) for value in metrics.values())
    assert not any(key.startswith('seq_') for key in metrics)


def test_found_shares_count_images_whose_foreground_is_hit():
    """Found_<C>: of the images holding C, those where some C pixel is predicted C;
    fg_found_pct: of the images holding foreground, those with some foreground pixel
    predicted with its class; images without foreground are left out of both."""
    gt_a = np.array([[1, 1], [0, 2]])           # ipsc and diff
    gt_b = np.array([[1, 0], [0, 0]])           # ipsc only
    gt_c = np.zeros((2, 2), np.int64)           # no foreground
    samples = [sample(np.array([[1, 0], [0, 0]]), gt_a),   # ipsc hit, diff missed
               sample(np.array([[0, 2], [0, 0]]), gt_b),   # ipsc missed (diff elsewhere)
               sample(np.ones((2, 2), np.int64), gt_c)]
    metrics = evaluate(PerClassSegMetric(), samples)
    assert metrics['Found_ipsc'] == pytest.approx(50.0)
    assert metrics['Found_diff'] == pytest.approx(0.0)
    assert metrics['fg_found_pct'] == pytest.approx(50.0)
    assert 'Found_background' not in metrics
    empty = evaluate(PerClassSegMetric(), [sample(np.zeros((2, 2)), gt_c)])
    assert 'fg_found_pct' not in empty and not any(k.startswith('Found_') for k in empty)


def test_never_predicted_class_scores_zero_precision_and_enters_the_mean():
    gt = np.array([[2, 1], [1, 0]])
    pred = np.array([[0, 1], [1, 0]])  # 'diff' in the ground truth, never predicted
    metrics = evaluate(PerClassSegMetric(), [sample(pred, gt)])
    assert metrics['Precision_diff'] == 0.0 and metrics['Recall_diff'] == 0.0
    assert metrics['mPrecision'] == pytest.approx(50.0)  # (100 + 0) / 2


def test_per_image_mean_follows_the_paper_convention():
    # Image 1: ipsc perfect. Image 2: ipsc missed. Image 3: no ipsc anywhere.
    full = np.ones((2, 2), int)
    empty = np.zeros((2, 2), int)
    samples = [sample(full, full), sample(empty, full), sample(empty, empty)]
    metrics = evaluate(PerClassSegMetric(), samples)
    assert metrics['Dice_ipsc'] == pytest.approx(50.0)  # averaged over 2 images, not 3
    assert metrics['dataset_Dice_ipsc'] == pytest.approx(100 * 2 * 4 / 12)


def test_background_index_none_averages_every_class():
    gt = np.array([[0, 1], [2, 2]])
    pred = np.array([[0, 1], [2, 0]])
    with_bg = evaluate(PerClassSegMetric(background_index=None), [sample(pred, gt)])
    without = evaluate(PerClassSegMetric(), [sample(pred, gt)])
    assert with_bg['mIoU'] == pytest.approx(
        np.mean([with_bg[f'IoU_{c}'] for c in CLASSES]))
    assert without['mIoU'] == pytest.approx(
        np.mean([without[f'IoU_{c}'] for c in CLASSES[1:]]))


def test_sequence_statistics_of_token_models():
    gt = pred = np.zeros((2, 2), int)
    reports = [dict(num_tokens=10, num_runs=4, num_dropped_tokens=1, num_dropped_runs=1,
                    truncated=False),
               dict(num_tokens=30, num_runs=9, num_dropped_tokens=3, num_dropped_runs=1,
                    truncated=True)]
    gt_tokens = [torch.tensor([5, 7, 8, 2, 0, 0]), torch.tensor([5, 7, 2, 0, 0, 0])]
    token_stats = [dict(num_tokens=4, truncated=0), dict(num_tokens=3, truncated=1)]
    samples = [sample(pred, gt, decode_report=r, gt_tokens=t, token_stats=ts,
                      pred_tokens=torch.arange(r['num_tokens']))
               for r, t, ts in zip(reports, gt_tokens, token_stats)]
    metrics = evaluate(PerClassSegMetric(), samples)
    assert metrics['seq_tokens_per_image'] == 20.0
    assert metrics['seq_runs_per_image'] == 6.5
    assert metrics['seq_truncated_pct'] == 50.0
    assert metrics['seq_malformed_pct'] == pytest.approx(10.0)  # 4 of 40 tokens
    assert metrics['seq_gt_tokens_per_image'] == 3.5
    assert metrics['seq_gt_truncated_pct'] == 50.0
    samples[0].pop('token_stats')          # one ground truth without statistics
    assert 'seq_gt_truncated_pct' not in evaluate(PerClassSegMetric(), samples)


def test_incomplete_decode_report_names_what_is_missing():
    metric = PerClassSegMetric()
    metric.dataset_meta = dict(classes=CLASSES)
    with pytest.raises(KeyError, match='truncated'):
        metric.process({}, [sample(np.zeros((2, 2), int), np.zeros((2, 2), int),
                                   decode_report=dict(num_tokens=3, num_runs=1,
                                                      num_dropped_tokens=0))])


def test_dataset_numbers_agree_with_mmseg_iou_metric():
    rng = np.random.default_rng(0)
    samples = []
    for _ in range(5):
        gt = rng.integers(0, 3, (16, 16))
        gt[rng.random((16, 16)) < 0.1] = 255
        pred = np.where(rng.random((16, 16)) < 0.7, np.where(gt == 255, 0, gt),
                        rng.integers(0, 3, (16, 16)))
        samples.append(sample(pred, gt))
    ours = evaluate(PerClassSegMetric(background_index=None, log_table=False), samples)

    reference = IoUMetric(iou_metrics=['mIoU', 'mDice', 'mFscore'])
    reference.dataset_meta = dict(classes=CLASSES)
    reference.process({}, samples)
    results = tuple(zip(*reference.results))
    per_class = IoUMetric.total_area_to_metrics(
        *(sum(r) for r in results), ['mIoU', 'mDice', 'mFscore'])
    for index, name in enumerate(CLASSES):
        for our_name, their_name in (('IoU', 'IoU'), ('Dice', 'Dice'),
                                     ('Recall', 'Acc'), ('Precision', 'Precision')):
            assert ours[f'dataset_{our_name}_{name}'] == pytest.approx(
                100 * float(per_class[their_name][index]), rel=1e-5)  # mmseg: float32
    summary = reference.compute_metrics(reference.results)  # rounded to 2 decimals
    assert ours['dataset_mIoU'] == pytest.approx(summary['mIoU'], abs=0.006)
    assert ours['dataset_mDice'] == pytest.approx(summary['mDice'], abs=0.006)
    assert ours['aAcc'] == pytest.approx(summary['aAcc'], abs=0.006)
