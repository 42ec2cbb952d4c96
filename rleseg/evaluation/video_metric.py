"""``VideoFrameMetric``: score video-window predictions frame by frame.

A video model predicts one (N, H, W) mask per window item; test windows may overlap
(test stride < N) and a sequence's last window is aligned to its end. This metric keeps
one result per *window* during the test loop (so mmengine's ``BaseMetric.evaluate``,
which truncates the results to ``len(dataset)`` = number of windows, drops nothing),
then, per sequence, merges the predictions of every frame over the windows that cover
it (:func:`rleseg.datasets.stitch_windows`, max / min / mode) and hands each frame
exactly once, with its full-resolution ground truth, to the image metric
(:class:`~rleseg.evaluation.PerClassSegMetric` by default). Image models and video
models of one benchmark are therefore scored by the same code on the same frames.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Dict, List, Mapping, Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmseg.registry import METRICS

from rleseg.datasets.patching import MERGE_MODES, stitch_windows

from .sequence_stats import RECORD_FIELDS, sequence_record, summarize_sequences


def _window_array(sample: Mapping, key: str) -> np.ndarray:
    """(N, H, W) int64 numpy array of ``sample[key]['data']``."""
    field = sample[key]
    data = field['data'] if isinstance(field, Mapping) else field.data
    return torch.as_tensor(data).cpu().numpy().astype(np.int64)


@METRICS.register_module()
class VideoFrameMetric(BaseMetric):
    """Merge overlapping window predictions per frame and score every frame once.

    Reads from each window sample: ``pred_sem_seg`` and ``gt_sem_seg`` (N, H, W),
    ``frame_ids`` (N frame indices), ``sequence`` (any hashable; windows without it
    form one sequence) and, for token models, ``decode_report``.

    Output: the image metric's keys computed over frames (``num_images`` = frames),
    plus ``num_windows``, ``num_frames``, ``frames_per_window`` (mean N),
    ``predictions_per_frame`` (mean number of windows covering a frame), and for token
    models the window sequence statistics of
    :func:`~rleseg.evaluation.summarize_sequences` (``seq_*_per_image`` are per window)
    plus ``seq_tokens_per_frame`` (generated tokens per window / N) and, when the test
    pipeline tokenises the ground truth, ``seq_gt_tokens_per_frame``.

    Args:
        metric: config of the per-frame image metric (registered in METRICS).
        merge: how overlapping window predictions of a frame combine: 'max', 'min',
            'mode' (ties -> smaller class id).
        pad_id: padding id of ``gt_tokens`` for the sequence statistics.
        collect_device, prefix: as :class:`mmengine.evaluator.BaseMetric`.
    """

    def __init__(self, metric: Optional[dict] = None, merge: str = 'mode', pad_id: int = 0,
                 collect_device: str = 'cpu', prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if merge not in MERGE_MODES:
            raise ValueError(f'VideoFrameMetric: merge must be one of {MERGE_MODES}, got '
                             f'{merge!r}')
        cfg = dict(type='PerClassSegMetric') if metric is None else dict(metric)
        self.metric: BaseMetric = METRICS.build(cfg)
        self.merge = merge
        self.pad_id = pad_id

    @property
    def dataset_meta(self) -> Optional[dict]:
        return self._dataset_meta

    @dataset_meta.setter
    def dataset_meta(self, meta: dict) -> None:
        self._dataset_meta = meta
        self.metric.dataset_meta = meta

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Keep each window's predictions, ground truth, frame ids and sequence record."""
        for sample in data_samples:
            pred = _window_array(sample, 'pred_sem_seg')
            gt = _window_array(sample, 'gt_sem_seg')
            frames = [int(f) for f in sample['frame_ids']]
            if not pred.shape == gt.shape or pred.shape[0] != len(frames):
                raise ValueError(f"VideoFrameMetric: window {sample.get('img_path')} has "
                                 f'prediction {tuple(pred.shape)}, ground truth '
                                 f'{tuple(gt.shape)} and {len(frames)} frame ids')
            self.results.append(dict(
                sequence=sample.get('sequence'), frames=frames,
                pred=pred.astype(np.uint8 if pred.max(initial=0) < 256 else np.int64),
                gt=gt.astype(np.uint8 if gt.max(initial=0) < 256 else np.int64),
                record=sequence_record(sample, self.pad_id)))

    def frames(self, results: List[dict]) -> List[dict]:
        """Merge window results into one sample dict per frame (sequence order, then
        frame order) with ``pred_sem_seg`` / ``gt_sem_seg`` (1, H, W) and
        ``num_predictions`` (windows that covered the frame)."""
        by_sequence: Dict[object, List[dict]] = defaultdict(list)
        for result in results:
            by_sequence[result['sequence']].append(result)
        num_classes = len(self.dataset_meta['classes']) if self.dataset_meta else None
        out = []
        for sequence in sorted(by_sequence, key=str):
            windows = by_sequence[sequence]
            merged = stitch_windows([w['pred'] for w in windows],
                                    [w['frames'] for w in windows], merge=self.merge,
                                    num_classes=num_classes, ignore_index=None)
            truth: Dict[int, np.ndarray] = {}
            covers: Dict[int, int] = defaultdict(int)
            for window in windows:
                for frame, gt in zip(window['frames'], window['gt']):
                    truth.setdefault(frame, gt)
                    covers[frame] += 1
            for frame in sorted(merged):
                out.append(dict(
                    sequence=sequence, frame_id=frame, num_predictions=covers[frame],
                    pred_sem_seg=dict(data=torch.from_numpy(merged[frame])[None]),
                    gt_sem_seg=dict(data=torch.from_numpy(truth[frame].astype(
                        np.int64))[None])))
        return out

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Per-frame scores of the merged predictions plus window statistics."""
        frames = self.frames(results)
        self.metric.results.clear()
        self.metric.process({}, frames)
        metrics = self.metric.compute_metrics(self.metric.results)
        self.metric.results.clear()
        window_sizes = np.array([len(r['frames']) for r in results], np.float64)
        metrics.update(
            num_windows=float(len(results)), num_frames=float(len(frames)),
            frames_per_window=float(window_sizes.mean()),
            predictions_per_frame=float(np.mean([f['num_predictions'] for f in frames])))
        pairs = [(r['record'], len(r['frames'])) for r in results if r['record'] is not None]
        if pairs:
            metrics.update(summarize_sequences([record for record, _ in pairs]))
            for field, key in (('tokens', 'seq_tokens_per_frame'),
                               ('gt_tokens', 'seq_gt_tokens_per_frame')):
                column = RECORD_FIELDS.index(field)
                per_frame = [record[column] / n for record, n in pairs]
                if not np.isnan(per_frame).any():
                    metrics[key] = float(np.mean(per_frame))
        return metrics
