"""PanopticQualityMetric on hand-made cases whose PQ / SQ / RQ are known."""
import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.registry import METRICS
from mmseg.structures import SegDataSample

from rleseg.evaluation.panoptic_metric import (INSTANCE_OFFSET, PanopticQualityMetric,
                                               connected_instances, panoptic_counts,
                                               pq_from_counts)

C = 3  # background, class 1, class 2


def _canvas(*boxes, shape=(10, 10)):
    """(semantic, instances) with boxes (y0, y1, x0, x1, class, instance id)."""
    sem, inst = np.zeros(shape, np.int64), np.zeros(shape, np.int64)
    for y0, y1, x0, x1, cls, ident in boxes:
        sem[y0:y1, x0:x1], inst[y0:y1, x0:x1] = cls, ident
    return sem, inst


def _scores(pred, gt, **kwargs):
    counts = panoptic_counts(*pred, *gt, C, **kwargs)
    scores, evaluated = pq_from_counts(counts)
    return counts, scores, evaluated


def test_perfect_prediction_with_renamed_ids():
    gt = _canvas((0, 4, 0, 5, 1, 3), (6, 9, 6, 9, 1, 8), (0, 3, 7, 10, 2, 5))
    pred = _canvas((0, 4, 0, 5, 1, 1), (6, 9, 6, 9, 1, 2), (0, 3, 7, 10, 2, 3))
    counts, scores, evaluated = _scores(pred, gt)
    assert counts[:3].tolist() == [[0, 2, 1], [0, 0, 0], [0, 0, 0]]
    assert evaluated.tolist() == [False, True, True]
    for name in ('PQ', 'SQ', 'RQ'):
        assert scores[name][1:] == pytest.approx([1.0, 1.0])


def test_partial_overlap_iou_0_6_is_a_match():
    gt = _canvas((0, 4, 0, 5, 1, 1))                    # 20 pixels
    pred = _canvas((0, 4, 0, 3, 1, 1))                  # 12 pixels inside: IoU 12/20
    counts, scores, _ = _scores(pred, gt)
    assert counts[:, 1].tolist() == pytest.approx([1, 0, 0, 0.6])
    assert (scores['SQ'][1], scores['RQ'][1], scores['PQ'][1]) == pytest.approx(
        (0.6, 1.0, 0.6))


def test_iou_exactly_half_is_not_a_match():
    gt = _canvas((0, 2, 0, 10, 1, 1))                       # 20 pixels
    half = _canvas((0, 2, 0, 5, 1, 1))                      # 10 inside: IoU 10/20
    counts, scores, _ = _scores(half, gt)
    assert counts[:3, 1].tolist() == [0, 1, 1] and scores['PQ'][1] == 0.0
    double = _canvas((0, 4, 0, 10, 1, 1))                   # 40 pixels: IoU 20/40
    counts, _, _ = _scores(double, gt)
    assert counts[:3, 1].tolist() == [0, 1, 1]
    above = _canvas((0, 2, 0, 5, 1, 1), (2, 3, 0, 1, 1, 1)) # 11 pixels: 10/21 < 0.5
    assert _scores(above, gt)[0][0, 1] == 0
    above = _canvas((0, 2, 0, 6, 1, 1))                     # 12 inside: IoU 0.6
    assert _scores(above, gt)[0][:, 1].tolist() == pytest.approx([1, 0, 0, 0.6])


def test_false_positive_and_false_negative():
    gt = _canvas((0, 4, 0, 4, 1, 1), (6, 9, 6, 9, 1, 2))
    pred = _canvas((0, 4, 0, 4, 1, 7), (0, 2, 7, 9, 1, 9))   # gt 2 missed, one extra
    counts, scores, _ = _scores(pred, gt)
    assert counts[:3, 1].tolist() == [1, 1, 1]
    assert scores['RQ'][1] == pytest.approx(1 / 2)        # 1 / (1 + 0.5 + 0.5)
    assert scores['SQ'][1] == pytest.approx(1.0)
    assert scores['PQ'][1] == pytest.approx(0.5)


def test_wrong_class_is_fp_of_one_and_fn_of_the_other():
    gt = _canvas((0, 4, 0, 4, 1, 1))
    pred = _canvas((0, 4, 0, 4, 2, 1))
    counts, scores, evaluated = _scores(pred, gt)
    assert counts[:3, 1].tolist() == [0, 0, 1] and counts[:3, 2].tolist() == [0, 1, 0]
    assert evaluated.tolist() == [False, True, True]
    assert scores['PQ'][1:].tolist() == [0.0, 0.0]


def test_merged_prediction_matches_at_most_one_instance():
    gt = _canvas((0, 4, 0, 3, 1, 1), (0, 4, 3, 4, 1, 2))    # 12 + 4 pixels
    pred = _canvas((0, 4, 0, 4, 1, 1))                      # one 16-pixel blob
    counts, scores, _ = _scores(pred, gt)
    assert counts[:, 1].tolist() == pytest.approx([1, 0, 1, 12 / 16])
    assert scores['PQ'][1] == pytest.approx(0.75 * 1 / 1.5)


def test_void_pixels_leave_iou_and_false_positives_out():
    gt_sem, gt_inst = _canvas((0, 4, 0, 4, 1, 1))
    gt_sem[:, 5:] = 255                                    # void band
    pred = _canvas((0, 4, 0, 4, 1, 1), (0, 4, 5, 10, 1, 2))    # second one all void
    counts, scores, _ = _scores(pred, (gt_sem, gt_inst))
    assert counts[:3, 1].tolist() == [1, 0, 0]
    pred_b = _canvas((0, 4, 0, 6, 1, 1))                   # 16 valid + 4 void + 4 bg
    counts, _, _ = _scores(pred_b, (gt_sem, gt_inst))
    assert counts[3, 1] == pytest.approx(16 / 20)         # (24 - 4 void) in the union


def test_stuff_classes_ignore_instance_ids():
    gt = _canvas((0, 5, 0, 10, 2, 1), (5, 10, 0, 10, 2, 2))
    pred = _canvas((0, 10, 0, 10, 2, 4))
    counts, _, _ = _scores(pred, gt, stuff_classes=(2,))
    assert counts[:, 2].tolist() == pytest.approx([1, 0, 0, 1.0])
    counts, _, _ = _scores(pred, gt)                       # as things: no match
    assert counts[:3, 2].tolist() == [0, 1, 2]


def test_connected_components_give_instances():
    sem = np.array([[1, 1, 0, 1],
                    [0, 0, 0, 1],
                    [2, 0, 2, 2]])
    inst = connected_instances(sem)
    assert inst[0, 0] == inst[0, 1] != inst[0, 3] == inst[1, 3]
    assert inst[2, 0] != inst[2, 2] == inst[2, 3]
    assert (inst == 0).sum() == 5 and len(np.unique(inst)) == 5


def test_shape_and_label_errors():
    sem, inst = _canvas((0, 4, 0, 4, 1, 1))
    with pytest.raises(ValueError, match='shapes differ'):
        panoptic_counts(sem, inst, sem[:5], inst[:5], C)
    with pytest.raises(ValueError, match='out of range'):
        panoptic_counts(sem * 3, inst, sem, inst, C)


def _sample(pred, gt, source='instances'):
    sample = SegDataSample()
    sample.pred_sem_seg = PixelData(data=torch.as_tensor(pred[0])[None])
    sample.gt_sem_seg = PixelData(data=torch.as_tensor(gt[0])[None])
    sample.gt_instance_map = PixelData(data=torch.as_tensor(gt[1])[None])
    if source == 'instances':
        sample.pred_instance_map = PixelData(data=torch.as_tensor(pred[1])[None])
    elif source == 'panoptic':
        sample.pred_panoptic_seg = PixelData(sem_seg=torch.as_tensor(
            pred[0] + INSTANCE_OFFSET * pred[1])[None])
    return sample.to_dict()


def test_metric_accumulates_over_images_with_every_instance_source():
    gt_a = _canvas((0, 4, 0, 5, 1, 1))
    pred_a = _canvas((0, 4, 0, 4, 1, 5))                   # IoU 16/20 = 0.8
    gt_b = _canvas((5, 9, 5, 9, 1, 1), (0, 2, 0, 2, 2, 3))
    pred_b = _canvas((0, 2, 0, 2, 2, 1))                   # class-1 cell missed
    for source in ('instances', 'panoptic', 'components'):
        metric = METRICS.build(dict(type='PanopticQualityMetric', log_table=False))
        metric.dataset_meta = dict(classes=('background', 'ipsc', 'diff'))
        metric.process({}, [_sample(pred_a, gt_a, source), _sample(pred_b, gt_b, source)])
        out = metric.evaluate(2)
        assert out['PQ_ipsc'] == pytest.approx(100 * 0.8 / 1.5)
        assert out['SQ_ipsc'] == pytest.approx(80.0) and out['RQ_ipsc'] == pytest.approx(
            100 / 1.5)
        assert out['PQ_diff'] == pytest.approx(100.0)
        assert out['PQ'] == pytest.approx((100 * 0.8 / 1.5 + 100) / 2)
        assert (out['TP_ipsc'], out['FP_ipsc'], out['FN_ipsc']) == (1, 0, 1)
        assert 'PQ_background' not in out and out['pq_num_images'] == 2


def test_components_split_what_an_instance_map_joins():
    gt = _canvas((0, 3, 0, 3, 1, 1), (0, 3, 6, 9, 1, 2))
    pred = _canvas((0, 3, 0, 3, 1, 1), (0, 3, 6, 9, 1, 1))  # one id for two blobs
    joined = PanopticQualityMetric(instance_source='instances', num_classes=C,
                                   log_table=False)
    split = PanopticQualityMetric(instance_source='components', num_classes=C,
                                  log_table=False)
    for metric in (joined, split):
        metric.process({}, [_sample(pred, gt)])
    assert joined.evaluate(1)['RQ_class1'] == 0.0
    assert split.evaluate(1)['PQ_class1'] == pytest.approx(100.0)


def test_missing_ground_truth_instances_is_a_clear_error():
    metric = PanopticQualityMetric(num_classes=C, log_table=False)
    sample = _sample(_canvas(), _canvas())
    del sample['gt_instance_map']
    with pytest.raises(KeyError, match='gt_instance_map'):
        metric.process({}, [sample])
