"""METRICS: per-class recall / precision / Dice / IoU and sequence statistics.

``PerClassSegMetric`` is registered in mmseg's ``METRICS``; use it in a config as
``val_evaluator = test_evaluator = dict(type='PerClassSegMetric')``.
"""
from .counts import (SCORE_NAMES, class_pixel_counts, dataset_class_scores,
                     per_image_class_scores, scores_from_counts)
from .per_class_metric import PerClassSegMetric, class_key
from .sequence_stats import sequence_record, summarize_sequences
from .panoptic_metric import PanopticQualityMetric, panoptic_counts, pq_from_counts
from .video_metric import VideoFrameMetric

__all__ = [
    'PerClassSegMetric', 'SCORE_NAMES', 'class_key', 'class_pixel_counts',
    'dataset_class_scores', 'per_image_class_scores', 'scores_from_counts',
    'sequence_record', 'summarize_sequences', 'PanopticQualityMetric', 'panoptic_counts',
    'pq_from_counts', 'VideoFrameMetric'
]
