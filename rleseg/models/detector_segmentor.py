"""mmdet instance detectors (Mask R-CNN, Mask2Former) as rleseg benchmark models.

:class:`DetectorSegmentor` wraps an mmdet detector so that it trains on the same
batches as every other rleseg model (mmseg's data preprocessor and pipeline, class map
``gt_sem_seg`` plus instance-id map ``gt_instance_map``) and predicts exactly the fields
of :class:`~rleseg.models.Pix2SeqPanopticSegmentor`, so the per-class and panoptic
metrics are shared.

Ground truth -> mmdet (:func:`instances_from_maps`): every instance id > 0 is one
instance; its label is the most frequent foreground class under it, shifted by -1
(mmdet's classes leave out the background, class 0 here); its box is the mask's
extent. Pixels void in the class map (``ignore_index``) are left out of the masks.

mmdet -> maps (:func:`paint_instances`): the predicted instances scoring at least
``score_thr`` are painted in descending score order, each taking the pixels of its
mask that no higher-scoring instance took; an instance left with no pixel is dropped.
Ids are 1..G in that order; the class map is the instance's class (+1) on its pixels,
background elsewhere.
"""
from __future__ import annotations

from typing import Iterator, List, Optional, Tuple

import numpy as np
import torch
from mmdet.models.dense_heads import RPNHead
from mmdet.models.detectors import BaseDetector
from mmdet.structures import DetDataSample
from mmdet.structures.mask import BitmapMasks
from mmengine.registry import DefaultScope
from mmengine.structures import InstanceData, PixelData
from mmseg.models.segmentors import BaseSegmentor
from mmseg.registry import MODELS
from mmseg.utils import OptSampleList, SampleList
from torch import Tensor

from rleseg.tokenizers import INSTANCE_OFFSET

from .data_preprocessor import map_at_input
from .segmentor import Pix2SeqSegmentor, restore_original


def instances_from_maps(semantic: np.ndarray, instances: np.ndarray,
                        ignore_index: int = 255, background_index: int = 0
                        ) -> InstanceData:
    """mmdet ground-truth instances of one image from its class and instance-id maps.

    Args:
        semantic: (H, W) integer class map (``background_index`` = background,
            ``ignore_index`` = void).
        instances: (H, W) integer instance ids, 0 = none.
        ignore_index: void class; its pixels belong to no mask.
        background_index: the class mmdet leaves out (must be 0: labels are class - 1).

    Returns:
        InstanceData with ``labels`` (N,) int64 in [0, C - 1), ``bboxes`` (N, 4) float32
        ``x1, y1, x2, y2`` in pixels (``x2 = last column + 1``) and ``masks``
        :class:`BitmapMasks` (N, H, W), instances in increasing id order; ids with no
        foreground pixel are skipped.
    """
    if background_index != 0:
        raise ValueError(f'instances_from_maps: background_index must be 0 (mmdet labels '
                         f'are class - 1), got {background_index}')
    semantic, instances = np.asarray(semantic), np.asarray(instances)
    if semantic.shape != instances.shape or semantic.ndim != 2:
        raise ValueError(f'instances_from_maps: class map {semantic.shape} and instance '
                         f'map {instances.shape} must be the same (H, W)')
    foreground = (semantic != background_index) & (semantic != ignore_index)
    labels, boxes, masks = [], [], []
    for index in np.unique(instances[foreground & (instances > 0)]):
        mask = foreground & (instances == index)
        classes, counts = np.unique(semantic[mask], return_counts=True)
        rows, cols = np.nonzero(mask)
        labels.append(int(classes[np.argmax(counts)]) - 1)
        boxes.append([cols.min(), rows.min(), cols.max() + 1, rows.max() + 1])
        masks.append(mask)
    height, width = semantic.shape
    return InstanceData(
        labels=torch.tensor(labels, dtype=torch.int64),
        bboxes=torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4),
        masks=BitmapMasks(np.stack(masks).astype(np.uint8) if masks else
                          np.zeros((0, height, width), np.uint8), height, width))


def paint_instances(masks: Tensor, labels: Tensor, scores: Tensor, score_thr: float
                    ) -> Tuple[Tensor, Tensor, Tensor, Tensor]:
    """Non-overlapping maps from mmdet's (possibly overlapping) instances.

    Args:
        masks: (N, H, W) bool predicted masks.
        labels: (N,) mmdet labels (foreground classes from 0).
        scores: (N,) scores.
        score_thr: instances scoring below it are left out.

    Returns:
        ``(semantic, instance_map, classes, kept_scores)``: (H, W) int64 class map
        (label + 1, 0 = background), (H, W) int64 ids 1..G in descending score order
        (0 = none), (G,) classes (label + 1) and (G,) scores of the painted instances.
    """
    height, width = masks.shape[-2:]
    instance_map = torch.zeros((height, width), dtype=torch.int64, device=masks.device)
    semantic = torch.zeros_like(instance_map)
    classes, kept = [], []
    for index in torch.argsort(scores, descending=True, stable=True).tolist():
        if float(scores[index]) < score_thr:
            break
        free = masks[index].bool() & (instance_map == 0)
        if not free.any():
            continue
        classes.append(int(labels[index]) + 1)
        kept.append(float(scores[index]))
        instance_map[free] = len(classes)
        semantic[free] = classes[-1]
    return (semantic, instance_map,
            torch.tensor(classes, dtype=torch.int64, device=masks.device),
            torch.tensor(kept, dtype=torch.float32, device=masks.device))


def build_detector(cfg: dict) -> BaseDetector:
    """Build an mmdet detector from ``cfg`` (``type`` e.g. ``'mmdet.MaskRCNN'``) with
    mmdet as the default scope, so its parts (heads, assigners, ...) resolve in mmdet's
    registries.

    Raises:
        TypeError: when ``cfg.type`` is not an mmdet detector (one line).
    """
    name = cfg.get('type') if isinstance(cfg, dict) else None
    cls = MODELS.get(name) if isinstance(name, str) else name
    if not (isinstance(cls, type) and issubclass(cls, BaseDetector)):
        raise TypeError(f'DetectorSegmentor: model.detector.type {name!r} is not an mmdet '
                        "detector; use e.g. 'mmdet.MaskRCNN' or 'mmdet.Mask2Former'")
    with DefaultScope.overwrite_default_scope('mmdet'):
        return MODELS.build(cfg)


@MODELS.register_module()
class DetectorSegmentor(BaseSegmentor):
    """An mmdet instance detector trained and scored as an rleseg panoptic model.

    Args:
        detector: config of an mmdet detector with mask output (e.g.
            ``dict(type='mmdet.MaskRCNN', ...)`` or ``dict(type='mmdet.Mask2Former',
            ...)``) for the C - 1 foreground classes. Its own data preprocessor is not
            used: the images come from this model's ``data_preprocessor``.
        score_thr: predicted instances below it are dropped before painting (see the
            module docstring).
        ignore_index: void label of the class map.
        data_preprocessor: mmseg's ``SegDataPreProcessor`` config (as the other
            paradigms).
        init_cfg: mmengine init config.

    ``predict`` returns per sample (maps at ``ori_shape``) ``pred_sem_seg`` (1, H, W),
    ``pred_instance_map`` (1, H, W) int64 ids, ``pred_panoptic_seg`` (``sem_seg`` =
    class + id * ``INSTANCE_OFFSET``) and ``pred_instances`` (``masks`` (G, H, W) bool,
    ``labels`` (G,) classes with background = 0, ``scores`` (G,)): the fields of
    :class:`~rleseg.models.Pix2SeqPanopticSegmentor`.
    """

    def __init__(self, detector: dict, score_thr: float = 0.5, ignore_index: int = 255,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.detector = build_detector(detector)
        self.score_thr = float(score_thr)
        self.ignore_index = int(ignore_index)

    def class_counts(self) -> Iterator[Tuple[str, int]]:
        """``(where, number of classes with the background)`` of every detector head
        that states ``num_classes`` (mmdet's counts leave out the background; the RPN's
        objectness class is not a dataset class). Read by rleseg's class-count check."""
        for name, module in self.detector.named_modules():
            count = getattr(module, 'num_classes', None)
            if (name and isinstance(count, int) and not isinstance(count, bool)
                    and not isinstance(module, RPNHead)):
                yield f'model.detector.{name}.num_classes + 1 (background)', count + 1

    def det_samples(self, inputs: Tensor, data_samples: SampleList,
                    with_gt: bool) -> List[DetDataSample]:
        """mmdet data samples of a batch: metainfo at the input size (no rescaling:
        ``scale_factor`` 1) and, ``with_gt``, the ground-truth instances."""
        input_hw = tuple(int(s) for s in inputs.shape[-2:])
        out = []
        for sample in data_samples:
            meta = dict(sample.metainfo, img_shape=input_hw, ori_shape=input_hw,
                        pad_shape=input_hw, batch_input_shape=input_hw,
                        scale_factor=(1.0, 1.0))
            det = DetDataSample(metainfo=meta)
            if with_gt:
                if 'gt_instance_map' not in sample:
                    raise KeyError(f"DetectorSegmentor: {meta.get('img_path', 'a sample')}"
                                   ' has no gt_instance_map; load it with '
                                   'LoadSegAnnotations(with_instances=True) and pack it '
                                   'with PackRLESegInputs in the dataset pipeline')
                semantic = map_at_input(sample, 'gt_sem_seg', input_hw, self.ignore_index)
                instances = map_at_input(sample, 'gt_instance_map', input_hw, 0)
                det.gt_instances = instances_from_maps(
                    semantic[0], instances[0], self.ignore_index).to(inputs.device)
            out.append(det)
        return out

    def extract_feat(self, inputs: Tensor):
        """The detector's features (backbone + neck) of (B, C, H, W) images."""
        return self.detector.extract_feat(inputs)

    def encode_decode(self, inputs: Tensor, batch_data_samples: SampleList) -> Tensor:
        """Not available: a detector gives instances, not per-class scores (so no
        test-time augmentation by averaged class probabilities); use :meth:`predict`."""
        raise NotImplementedError('DetectorSegmentor predicts instances, not class '
                                  'scores: use predict (mode="predict")')

    def loss(self, inputs: Tensor, data_samples: SampleList) -> dict:
        """The detector's losses on the batch's instances (dict of scalar tensors)."""
        return self.detector.loss(inputs, self.det_samples(inputs, data_samples, True))

    def paint(self, pred: InstanceData) -> Tuple[Tensor, Tensor, Tensor, Tensor]:
        """:func:`paint_instances` of a detector's ``pred_instances`` at the input
        size."""
        return paint_instances(pred.masks.bool(), pred.labels, pred.scores, self.score_thr)

    def predict(self, inputs: Tensor, data_samples: OptSampleList = None) -> SampleList:
        """Detect, paint and return maps and instances at ``ori_shape`` (see the class
        docstring)."""
        data_samples = Pix2SeqSegmentor._samples_or_default(inputs, data_samples)
        detected = self.detector.predict(
            inputs, self.det_samples(inputs, data_samples, with_gt=False), rescale=False)
        for sample, det in zip(data_samples, detected):
            semantic, instances, classes, scores = self.paint(det.pred_instances)
            semantic, instances = restore_original(
                torch.stack([semantic, instances]), sample.metainfo)
            ids = torch.arange(1, len(classes) + 1, device=instances.device)
            sample.set_data(dict(
                pred_sem_seg=PixelData(data=semantic[None]),
                pred_instance_map=PixelData(data=instances[None]),
                pred_panoptic_seg=PixelData(
                    sem_seg=(semantic + instances * INSTANCE_OFFSET)[None])))
            sample.pred_instances = InstanceData(
                masks=instances[None] == ids[:, None, None], labels=classes, scores=scores)
        return data_samples

    def _forward(self, inputs: Tensor, data_samples: OptSampleList = None):
        """The detector's raw head outputs (mmseg's 'tensor' mode)."""
        data_samples = Pix2SeqSegmentor._samples_or_default(inputs, data_samples)
        return self.detector._forward(
            inputs, self.det_samples(inputs, data_samples, with_gt=False))
