"""``PanopticQualityMetric``: panoptic quality (PQ), segmentation quality (SQ) and
recognition quality (RQ) per class (Kirillov et al., "Panoptic Segmentation", 2019).

A *segment* is the set of pixels sharing one (class, instance id) pair; pixels of a
*stuff* class form one segment per class whatever their instance ids, and pixels of
``background_index`` form no segment (a predicted instance on ground-truth background
is a false positive, a missed cell a false negative). Ground-truth pixels equal to
``ignore_index`` are void. Per image and class, a predicted and a ground-truth segment
match when their IoU is > ``iou_threshold`` (0.5 makes matches unique); the IoU leaves
out the predicted pixels that are void in the ground truth, and an unmatched predicted
segment that is more than half void is not counted as a false positive (the COCO
panoptic rules). Counts are accumulated over the dataset, then per class::

    SQ = sum of matched IoUs / TP      RQ = TP / (TP + FP/2 + FN/2)      PQ = SQ * RQ

Predicted instances come from, in order of preference, ``pred_instance_map``
(PixelData of instance ids, 0 = none, as :class:`~rleseg.models.Pix2SeqPanopticSegmentor`
writes it), ``pred_panoptic_seg`` (mmdet's encoding ``class + id * INSTANCE_OFFSET``),
or, for semantic-only models (UNet, DeepLabV3+, mmseg's Mask2Former), the connected
components of every class of ``pred_sem_seg``; ``instance_source`` forces one.
Ground truth: ``gt_sem_seg`` and ``gt_instance_map`` (``LoadSegAnnotations(
with_instances=True)`` + ``PackRLESegInputs``).
"""
from __future__ import annotations

from typing import Dict, List, Mapping, Optional, Sequence

import cv2
import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log
from mmseg.registry import METRICS
from tabulate import tabulate

from rleseg.tokenizers import INSTANCE_OFFSET

from .per_class_metric import class_key

#: Rows of the per-class count array of :func:`panoptic_counts`.
COUNT_FIELDS = ('tp', 'fp', 'fn', 'iou_sum')
PQ_NAMES = ('PQ', 'SQ', 'RQ')
INSTANCE_SOURCES = ('auto', 'instances', 'panoptic', 'components')


def connected_instances(semantic: np.ndarray, background_index: Optional[int] = 0
                        ) -> np.ndarray:
    """Instance ids from the 4-connected components of every class.

    Args:
        semantic: (H, W) integer class map.
        background_index: class whose pixels get id 0 (None: every class counts).

    Returns:
        (H, W) int64 ids, 0 = none, 1..K numbered class by class.
    """
    semantic = np.asarray(semantic)
    out = np.zeros(semantic.shape, np.int64)
    offset = 0
    for cls in np.unique(semantic):
        if background_index is not None and cls == background_index:
            continue
        count, labels = cv2.connectedComponents((semantic == cls).astype(np.uint8),
                                                 connectivity=4)
        out[labels > 0] = labels[labels > 0] + offset
        offset += count - 1
    return out


def _segment_keys(semantic: np.ndarray, instances: np.ndarray, num_classes: int,
                  stuff: np.ndarray, background_index: Optional[int],
                  valid: np.ndarray) -> np.ndarray:
    """(H*W,) int64 segment key ``instance * C + class`` (instance 0 for stuff), -1 for
    background and invalid pixels."""
    sem = semantic.reshape(-1).astype(np.int64)
    inst = np.where(stuff[sem], 0, instances.reshape(-1).astype(np.int64))
    keys = inst * num_classes + sem
    none = ~valid.reshape(-1)
    if background_index is not None:
        none |= sem == background_index
    return np.where(none, -1, keys)


def panoptic_counts(pred_sem, pred_inst, gt_sem, gt_inst, num_classes: int,
                    ignore_index: int = 255, background_index: Optional[int] = 0,
                    stuff_classes: Sequence[int] = (), iou_threshold: float = 0.5
                    ) -> np.ndarray:
    """TP, FP, FN and summed matched IoU of every class in one image.

    Args:
        pred_sem, pred_inst: (H, W) predicted classes in [0, C) and instance ids >= 0.
        gt_sem, gt_inst: (H, W) ground-truth classes (or ``ignore_index``) and ids >= 0.
        num_classes: C, background included.
        ignore_index: void label of the ground truth.
        background_index: class that forms no segment (None: every class does).
        stuff_classes: classes whose pixels form one segment per image.
        iou_threshold: a match needs IoU strictly greater than this (>= 0.5).

    Returns:
        float64 array (4, C): rows :data:`COUNT_FIELDS`.

    Raises:
        ValueError: on shape mismatch, labels out of range or a threshold < 0.5.
    """
    arrays = [np.asarray(torch.as_tensor(a).cpu()) if isinstance(a, torch.Tensor)
              else np.asarray(a) for a in (pred_sem, pred_inst, gt_sem, gt_inst)]
    pred_sem, pred_inst, gt_sem, gt_inst = arrays
    if not pred_sem.shape == pred_inst.shape == gt_sem.shape == gt_inst.shape:
        raise ValueError(f'panoptic_counts: shapes differ: prediction {pred_sem.shape} / '
                         f'{pred_inst.shape}, ground truth {gt_sem.shape} / {gt_inst.shape}')
    if iou_threshold < 0.5:
        raise ValueError(f'panoptic_counts: iou_threshold {iou_threshold} < 0.5 makes '
                         'matches ambiguous')
    void = gt_sem == ignore_index
    for name, labels, mask in (('prediction', pred_sem, None), ('ground truth', gt_sem, ~void)):
        vals = labels if mask is None else labels[mask]
        if vals.size and (vals.min() < 0 or vals.max() >= num_classes):
            raise ValueError(f'panoptic_counts: {name} class out of range [0, {num_classes}'
                             f'): min {int(vals.min())}, max {int(vals.max())}')
    stuff = np.zeros(num_classes + 1, bool)
    stuff[list(stuff_classes)] = True
    gt_sem = np.where(void, 0, gt_sem)
    pkey = _segment_keys(pred_sem, pred_inst, num_classes, stuff, background_index,
                         np.ones(pred_sem.shape, bool))
    gkey = _segment_keys(gt_sem, gt_inst, num_classes, stuff, background_index, ~void)
    void = void.reshape(-1)
    p_ids, p_idx = np.unique(pkey, return_inverse=True)
    g_ids, g_idx = np.unique(gkey, return_inverse=True)
    p_idx, g_idx = p_idx.reshape(-1), g_idx.reshape(-1)
    n_p, n_g = len(p_ids), len(g_ids)
    # joint histogram; one extra ground-truth column for void pixels
    g_col = np.where(void, n_g, g_idx)
    joint = np.bincount(p_idx * (n_g + 1) + g_col,
                        minlength=n_p * (n_g + 1)).reshape(n_p, n_g + 1)
    p_area, g_area = joint.sum(1), joint[:, :n_g].sum(0)
    p_void = joint[:, n_g]
    p_real, g_real = p_ids >= 0, g_ids >= 0
    p_cls, g_cls = p_ids % num_classes, g_ids % num_classes
    inter = joint[:, :n_g].astype(np.float64)
    union = p_area[:, None] + g_area[None, :] - inter - p_void[:, None]
    iou = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
    ok = ((iou > iou_threshold) & (p_cls[:, None] == g_cls[None, :])
          & p_real[:, None] & g_real[None, :])
    pi, gi = np.nonzero(ok)
    counts = np.zeros((4, num_classes), np.float64)
    np.add.at(counts[0], g_cls[gi], 1)
    np.add.at(counts[3], g_cls[gi], iou[pi, gi])
    matched_p = np.zeros(n_p, bool)
    matched_p[pi] = True
    matched_g = np.zeros(n_g, bool)
    matched_g[gi] = True
    fp = p_real & ~matched_p & (p_void <= 0.5 * p_area)
    fn = g_real & ~matched_g
    np.add.at(counts[1], p_cls[fp], 1)
    np.add.at(counts[2], g_cls[fn], 1)
    return counts


def pq_from_counts(counts: np.ndarray) -> tuple[Dict[str, np.ndarray], np.ndarray]:
    """PQ, SQ, RQ (fractions) of every class from accumulated counts.

    Args:
        counts: (4, C) as :func:`panoptic_counts` (summed over images).

    Returns:
        ``(scores, evaluated)``: scores name -> (C,) array; ``evaluated`` (C,) is True
        where the class has any segment (TP + FP + FN > 0). Other entries are 0 and
        must be masked out.
    """
    tp, fp, fn, iou_sum = np.asarray(counts, np.float64)
    denom = tp + 0.5 * fp + 0.5 * fn
    sq = np.divide(iou_sum, tp, out=np.zeros_like(tp), where=tp > 0)
    rq = np.divide(tp, denom, out=np.zeros_like(tp), where=denom > 0)
    return {'PQ': sq * rq, 'SQ': sq, 'RQ': rq}, denom > 0


def _plane(sample: Mapping, key: str, attr: str = 'data') -> Optional[np.ndarray]:
    """(H, W) numpy array of ``sample[key][attr]`` (a (1, H, W) PixelData or its dict);
    None when the sample has no ``key``."""
    field = sample.get(key)
    if field is None:
        return None
    data = field[attr] if isinstance(field, Mapping) else getattr(field, attr)
    data = torch.as_tensor(data).cpu()
    if data.ndim == 3:
        if data.shape[0] != 1:
            raise ValueError(f'PanopticQualityMetric: {key} has {data.shape[0]} channels; '
                             'expected one (H, W) map')
        data = data[0]
    return data.numpy()


@METRICS.register_module()
class PanopticQualityMetric(BaseMetric):
    """Per-class PQ / SQ / RQ in %, accumulated over the dataset (see module docstring).

    Output keys (``<C>`` = class name with spaces as '_'): ``PQ``, ``SQ``, ``RQ``
    (means over the evaluated non-background classes), ``PQ_<C>``, ``SQ_<C>``,
    ``RQ_<C>``, ``TP_<C>``, ``FP_<C>``, ``FN_<C>``, and ``pq_num_images``.

    Args:
        ignore_index: void label of the ground truth.
        background_index: class that forms no segment and is left out of the means.
        stuff_classes: classes scored as one segment per image.
        iou_threshold: match threshold (IoU > it), >= 0.5.
        instance_source: 'auto' (``pred_instance_map``, else ``pred_panoptic_seg``,
            else connected components), 'instances', 'panoptic' or 'components'.
        num_classes: C; None reads ``len(dataset_meta['classes'])``.
        log_table: log a per-class table after each evaluation.
        collect_device, prefix: as :class:`mmengine.evaluator.BaseMetric`.
    """

    def __init__(self, ignore_index: int = 255, background_index: Optional[int] = 0,
                 stuff_classes: Sequence[int] = (), iou_threshold: float = 0.5,
                 instance_source: str = 'auto', num_classes: Optional[int] = None,
                 log_table: bool = True, collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if instance_source not in INSTANCE_SOURCES:
            raise ValueError(f'PanopticQualityMetric: instance_source must be one of '
                             f'{INSTANCE_SOURCES}, got {instance_source!r}')
        if iou_threshold < 0.5:
            raise ValueError(f'PanopticQualityMetric: iou_threshold {iou_threshold} < 0.5')
        self.ignore_index = ignore_index
        self.background_index = background_index
        self.stuff_classes = tuple(int(c) for c in stuff_classes)
        self.iou_threshold = float(iou_threshold)
        self.instance_source = instance_source
        self.num_classes = num_classes
        self.log_table = log_table

    @property
    def class_names(self) -> List[str]:
        meta = self.dataset_meta or {}
        if 'classes' in meta:
            return list(meta['classes'])
        if self.num_classes is None:
            raise ValueError('PanopticQualityMetric: set num_classes or run it with a '
                             'dataset whose metainfo has "classes"')
        return [f'class{i}' for i in range(self.num_classes)]

    def predicted_instances(self, sample: Mapping, semantic: np.ndarray) -> np.ndarray:
        """(H, W) predicted instance ids of a sample (see ``instance_source``)."""
        source = self.instance_source
        if source in ('auto', 'instances'):
            inst = _plane(sample, 'pred_instance_map')
            if inst is not None:
                return inst
            if source == 'instances':
                raise KeyError('PanopticQualityMetric: prediction has no pred_instance_map '
                               "(instance_source='instances')")
        if source in ('auto', 'panoptic'):
            pan = _plane(sample, 'pred_panoptic_seg', 'sem_seg')
            if pan is not None:
                return pan.astype(np.int64) // INSTANCE_OFFSET
            if source == 'panoptic':
                raise KeyError('PanopticQualityMetric: prediction has no pred_panoptic_seg '
                               "(instance_source='panoptic')")
        return connected_instances(semantic, self.background_index)

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Store each sample's (4, C) counts.

        Args:
            data_batch: unused.
            data_samples: dicts with ``pred_sem_seg``, ``gt_sem_seg``,
                ``gt_instance_map`` and optionally predicted instances.
        """
        num_classes = len(self.class_names)
        for sample in data_samples:
            pred_sem = _plane(sample, 'pred_sem_seg')
            gt_sem = _plane(sample, 'gt_sem_seg')
            gt_inst = _plane(sample, 'gt_instance_map')
            if gt_inst is None:
                raise KeyError(f"PanopticQualityMetric: {sample.get('img_path', 'a sample')}"
                               ' has no gt_instance_map; load it with LoadSegAnnotations('
                               'with_instances=True) and pack it with PackRLESegInputs')
            pred_inst = self.predicted_instances(sample, pred_sem)
            self.results.append(panoptic_counts(
                pred_sem, pred_inst, gt_sem, gt_inst, num_classes, self.ignore_index,
                self.background_index, self.stuff_classes, self.iou_threshold))

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Sum the counts and turn them into the metric dict (see class docstring)."""
        counts = np.sum(results, axis=0)
        scores, evaluated = pq_from_counts(counts)
        names = self.class_names
        metrics: Dict[str, float] = {'pq_num_images': float(len(results))}
        rows = []
        for index, name in enumerate(names):
            if not evaluated[index]:
                continue
            key = class_key(name)
            for score in PQ_NAMES:
                metrics[f'{score}_{key}'] = float(100.0 * scores[score][index])
            for row, field in zip(counts[:3, index], ('TP', 'FP', 'FN')):
                metrics[f'{field}_{key}'] = float(row)
            rows.append([name] + [f'{100 * scores[s][index]:.2f}' for s in PQ_NAMES]
                        + [int(c) for c in counts[:3, index]])
        selected = evaluated & (np.arange(len(names)) != (
            self.background_index if self.background_index is not None else -1))
        if selected.any():
            for score in PQ_NAMES:
                metrics[score] = float(100.0 * scores[score][selected].mean())
        if self.log_table:
            print_log('panoptic quality per class (%; IoU > '
                      f'{self.iou_threshold}):\n' + tabulate(
                          rows, headers=['class', *PQ_NAMES, 'TP', 'FP', 'FN'],
                          tablefmt='github'), logger='current')
        return metrics
