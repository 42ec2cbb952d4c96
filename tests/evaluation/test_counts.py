"""Pixel counts and scores on hand-made masks with known TP / FP / FN."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from rleseg.evaluation import (class_pixel_counts, dataset_class_scores,
                               per_image_class_scores, scores_from_counts)

# 4 x 4, three classes. Ground truth: class 1 in the top-left 2 x 2 block (4 px),
# class 2 in the bottom row (4 px), background elsewhere (8 px).
GT = np.array([[1, 1, 0, 0],
               [1, 1, 0, 0],
               [0, 0, 0, 0],
               [2, 2, 2, 2]])
# Prediction: class 1 hits 3 of its 4 pixels and adds 2 false positives; class 2 hits
# 2 of 4 and misses 2 (predicted as background).
PRED = np.array([[1, 1, 1, 1],
                 [1, 0, 0, 0],
                 [0, 0, 0, 0],
                 [2, 2, 0, 0]])


def test_counts_on_hand_made_masks():
    counts = class_pixel_counts(PRED, GT, num_classes=3)
    # rows: TP, Pred (TP + FP), GT (TP + FN)
    np.testing.assert_array_equal(counts, [[6, 3, 2], [9, 5, 2], [8, 4, 4]])


def test_scores_on_hand_made_masks():
    scores, evaluated = scores_from_counts(class_pixel_counts(PRED, GT, 3))
    assert evaluated.tolist() == [True, True, True]
    np.testing.assert_allclose(scores['Recall'], [6 / 8, 3 / 4, 2 / 4])
    np.testing.assert_allclose(scores['Precision'], [6 / 9, 3 / 5, 2 / 2])
    np.testing.assert_allclose(scores['Dice'], [12 / 17, 6 / 9, 4 / 6])
    np.testing.assert_allclose(scores['IoU'], [6 / 11, 3 / 6, 2 / 4])


def test_never_predicted_and_hallucinated_and_absent_classes():
    gt = np.array([[0, 1], [1, 0]])
    pred = np.array([[0, 0], [2, 0]])  # class 1 never predicted, class 2 hallucinated
    scores, evaluated = scores_from_counts(class_pixel_counts(pred, gt, 4))
    assert evaluated.tolist() == [True, True, True, False]  # class 3 nowhere
    for name in ('Recall', 'Precision', 'Dice', 'IoU'):
        assert scores[name][1] == 0.0 and scores[name][2] == 0.0
        assert not np.isnan(scores[name]).any()


def test_ignore_index_pixels_are_not_counted():
    gt = np.array([[1, 255], [255, 0]])
    pred = np.array([[1, 1], [0, 1]])
    counts = class_pixel_counts(torch.tensor(pred), torch.tensor(gt), 2, ignore_index=255)
    # valid pixels: (0, 0) gt 1 / pred 1 and (1, 1) gt 0 / pred 1
    np.testing.assert_array_equal(counts, [[0, 1], [0, 2], [1, 1]])


@pytest.mark.parametrize('pred, gt, message', [
    (np.array([[3]]), np.array([[0]]), 'prediction label out of range'),
    (np.array([[0]]), np.array([[7]]), 'ground truth label out of range'),
    (np.zeros((2, 2)), np.zeros((2, 3)), 'pixels'),
])
def test_invalid_labels_raise(pred, gt, message):
    with pytest.raises(ValueError, match=message):
        class_pixel_counts(pred, gt, num_classes=3)


def test_per_image_average_differs_from_dataset_accumulation():
    # Image A: class 1 is 1 px, predicted exactly. Image B: class 1 is 15 px, missed.
    gt_a, pred_a = np.zeros((4, 4), int), np.zeros((4, 4), int)
    gt_a[0, 0] = pred_a[0, 0] = 1
    gt_b, pred_b = np.ones((4, 4), int), np.zeros((4, 4), int)
    gt_b[0, 0] = 0
    # Image C: class 1 absent from both -> excluded from the per-image average.
    gt_c = pred_c = np.zeros((4, 4), int)
    counts = np.stack([class_pixel_counts(p, g, 2)
                       for p, g in ((pred_a, gt_a), (pred_b, gt_b), (pred_c, gt_c))])
    per_image, evaluated = per_image_class_scores(counts)
    assert evaluated.tolist() == [True, True]
    assert per_image['Dice'][1] == pytest.approx(0.5)  # (1 + 0) / 2 images
    assert per_image['Recall'][1] == pytest.approx(0.5)
    dataset, _ = dataset_class_scores(counts)
    assert dataset['Recall'][1] == pytest.approx(1 / 16)  # 1 TP of 16 GT px
    assert dataset['Dice'][1] == pytest.approx(2 / 17)


@settings(max_examples=40, deadline=None)
@given(arrays(np.int64, (2, 5, 6), elements=st.integers(0, 3)),
       arrays(np.int64, (2, 5, 6), elements=st.integers(0, 3)))
def test_scores_are_bounded_and_defined_exactly_where_a_class_appears(pred, gt):
    counts = np.stack([class_pixel_counts(p, g, 4) for p, g in zip(pred, gt)])
    for aggregate in (per_image_class_scores, dataset_class_scores):
        scores, evaluated = aggregate(counts)
        present = np.isin(np.arange(4), np.concatenate([pred.ravel(), gt.ravel()]))
        np.testing.assert_array_equal(evaluated, present)
        for value in scores.values():
            assert np.all((value >= 0) & (value <= 1))
        # Dice = 2 IoU / (1 + IoU) holds per image, hence for accumulated counts.
        if aggregate is dataset_class_scores:
            np.testing.assert_allclose(scores['Dice'],
                                       2 * scores['IoU'] / (1 + scores['IoU']))
