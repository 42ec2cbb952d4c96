"""Rare foreground: class pixel counts of a training set, class-aware sampling and
class weights, the same for every paradigm.

A data set whose foreground is rare (thin roads on one pixel in 30, most crops without
any) teaches every model that predicting background everywhere is nearly always right.
Two levers act on the data side, both computed once from the training labels:

* **Class-aware sampling** (:class:`ForegroundBalancedSampler`, a config switch of the
  training dataloader): crops holding a rare foreground class enter training more
  often, empty and near-empty crops as often as before or less often.
* **Class weights** (:func:`class_weights`) for the losses (mmseg's ``class_weight``),
  printed for a config by ``python -m rleseg.datasets.label_stats <config>``.

The rules (every share is a fraction of *labelled* pixels: ``ignore_index`` pixels are
not counted):

* **pixel frequency** of class ``c``: ``p_c`` = pixels of ``c`` over the labelled pixels
  of the whole training set (:func:`class_frequencies`);
* an item **holds** class ``c`` when ``c`` covers at least ``min_share`` of the item's
  labelled pixels; an item that holds no foreground class is *empty or near-empty*;
* **class repeat factor** (LVIS's repeat-factor rule, Gupta et al. 2019, with pixel
  instead of image frequencies): ``r_c = max(1, sqrt(oversample_thr / p_c))`` for a
  foreground class, where ``oversample_thr`` is a pixel frequency (a class at least
  that frequent is not oversampled);
* **item repeat factor**: ``r_i = max(r_c over the foreground classes the item holds)``,
  or ``empty_weight`` for an empty / near-empty item (1: kept as they are; 0.5: half of
  them enter each pass; 0: never);
* **sampling**: each pass over the data draws item ``i`` ``floor(r_i)`` times plus once
  more with probability ``r_i - floor(r_i)`` (stochastic rounding, as LVIS), then
  shuffles; the draws come from the sampler's seed, so a run is reproducible;
* **class weights**: ``w_c`` proportional to ``p_c ** -power`` (``power`` 0.5: inverse
  square root of the frequency; 1: inverse frequency), scaled so that
  ``sum_c p_c * w_c = 1``: the mean weight of a training pixel is 1, so a weighted
  loss keeps the unweighted loss's scale.

Labels are read by the pipeline's own loader
(:class:`~rleseg.datasets.transforms.LoadSegAnnotations`: label formats, ``label_map``,
``reduce_zero_label``), patch items are cropped to their box and window items count
every frame. The counts of a dataset are kept for the process (keyed by its label
files, their sizes and modification times), so the sampler and the benchmark's record
read the labels once.
"""
from __future__ import annotations

import hashlib
import math
import os
from typing import Dict, Iterator, List, Optional, Sequence

import cv2
import numpy as np
import torch
from mmengine.dataset import InfiniteSampler
from mmseg.registry import DATA_SAMPLERS

from .transforms.loading import LoadSegAnnotations

#: Counts already read in this process: fingerprint -> (N, C) int64.
_COUNTS_CACHE: Dict[str, np.ndarray] = {}


def _ignore_index(dataset) -> int:
    """The ``ignore_index`` of ``dataset`` or of the dataset it wraps (255 without)."""
    while dataset is not None:
        if hasattr(dataset, 'ignore_index'):
            return int(dataset.ignore_index)
        dataset = getattr(dataset, 'dataset', None)
    return 255


def _frames(info: dict) -> List[dict]:
    """One label description per frame of a data info (one for an image item)."""
    if 'seg_map_paths' in info:
        return [dict(info, seg_map_path=path, label_format=fmt)
                for path, fmt in zip(info['seg_map_paths'], info['label_formats'])]
    return [info]


def _fingerprint(infos: Sequence[dict], num_classes: int, ignore_index: int) -> str:
    """A key that changes when a label file, its crop or its description changes."""
    digest = hashlib.sha1(f'{num_classes} {ignore_index}'.encode())
    for info in infos:
        for frame in _frames(info):
            path = frame['seg_map_path']
            stat = os.stat(path)
            digest.update(repr((os.path.abspath(path), stat.st_size, stat.st_mtime_ns,
                                frame.get('label_format'), frame.get('label_map'),
                                frame.get('reduce_zero_label'), frame.get('binary_255'),
                                frame.get('patch_box'), frame.get('stitch_shape'))).encode())
    return digest.hexdigest()


def _label_counts(frame: dict, loader: LoadSegAnnotations, num_classes: int) -> np.ndarray:
    """(C,) labelled pixels per class of one frame (of its patch box, if any)."""
    gt = loader.transform(dict(frame))['gt_seg_map']
    if frame.get('patch_box') is not None:
        shape = tuple(frame.get('stitch_shape') or gt.shape)
        if gt.shape != shape:      # the patch grid is laid over the resized image
            gt = cv2.resize(gt, shape[::-1], interpolation=cv2.INTER_NEAREST)
        y0, x0, y1, x1 = frame['patch_box']
        gt = gt[y0:y1, x0:x1]
    values = gt[gt < num_classes].astype(np.int64)
    return np.bincount(values.ravel(), minlength=num_classes)[:num_classes]


def label_class_counts(dataset) -> np.ndarray:
    """Labelled pixels per item and class of a built dataset.

    Args:
        dataset: an mmengine dataset whose data infos carry ``seg_map_path`` (or
            ``seg_map_paths`` for windows) and the label description (any rleseg
            dataset or wrapper); ``metainfo['classes']`` gives C.

    Returns:
        ``(N, C)`` int64 array: pixels of class ``c`` in item ``i`` (ignored pixels
        are not counted). Read once per process for the same label files.
    """
    num_classes = len(dataset.metainfo['classes'])
    ignore = _ignore_index(dataset)
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    key = _fingerprint(infos, num_classes, ignore)
    if key not in _COUNTS_CACHE:
        loader = LoadSegAnnotations(ignore_index=ignore)
        _COUNTS_CACHE[key] = np.array(
            [sum(_label_counts(frame, loader, num_classes) for frame in _frames(info))
             for info in infos], dtype=np.int64).reshape(len(infos), num_classes)
    return _COUNTS_CACHE[key].copy()


def class_frequencies(counts: np.ndarray) -> np.ndarray:
    """(C,) pixel frequency ``p_c`` of each class: its share of every labelled pixel
    of ``counts`` ((N, C) from :func:`label_class_counts`), fractions summing to 1."""
    totals = counts.sum(0).astype(np.float64)
    if totals.sum() <= 0:
        raise ValueError('class_frequencies: the labels hold no labelled pixel')
    return totals / totals.sum()


def class_balance(dataset) -> Dict[str, object]:
    """The class balance of a built dataset's labels (as read from disk, before any
    augmentation or sampling): ``dict(pixel_pct={class: % of the labelled pixels},
    items_holding={class: items with at least one pixel of it}, items=N)``."""
    counts = label_class_counts(dataset)
    names = [str(name) for name in dataset.metainfo['classes']]
    frequencies = class_frequencies(counts)
    return dict(pixel_pct={name: 100.0 * float(f) for name, f in zip(names, frequencies)},
                items_holding={name: int((counts[:, c] > 0).sum())
                               for c, name in enumerate(names)},
                items=int(len(counts)))


def class_weights(frequencies: Sequence[float], power: float = 0.5) -> np.ndarray:
    """Class weights ``w_c`` proportional to ``p_c ** -power``, scaled so that
    ``sum_c p_c * w_c = 1`` (a weighted loss keeps its unweighted scale).

    Args:
        frequencies: (C,) pixel frequencies (:func:`class_frequencies`).
        power: 0.5 inverse square root (default), 1 inverse frequency, 0 no weighting.

    Returns:
        (C,) float64 weights; a class without any pixel gets the largest weight of the
        others (it has nothing to weight in training).
    """
    freq = np.asarray(frequencies, dtype=np.float64)
    present = freq > 0
    if not present.any():
        raise ValueError('class_weights: every class frequency is 0')
    raw = np.zeros_like(freq)
    raw[present] = freq[present] ** -float(power)
    raw /= float((freq * raw).sum())
    raw[~present] = raw[present].max()
    return raw


def item_repeat_factors(counts: np.ndarray, oversample_thr: float, min_share: float = 0.005,
                        empty_weight: float = 1.0,
                        background_index: Optional[int] = 0) -> np.ndarray:
    """(N,) repeat factor ``r_i`` of each item (rules in the module doc).

    Args:
        counts: (N, C) labelled pixels per item and class.
        oversample_thr: pixel frequency under which a foreground class is oversampled.
        min_share: share of an item's labelled pixels a class must cover for the item
            to hold it (fraction).
        empty_weight: repeat factor of an item that holds no foreground class.
        background_index: the class that is not foreground (None: every class is).

    Raises:
        ValueError: one line naming the bad argument.
    """
    for name, value in (('oversample_thr', oversample_thr), ('min_share', min_share),
                        ('empty_weight', empty_weight)):
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
            raise ValueError(f'ForegroundBalancedSampler {name}={value!r} must be a '
                             'number >= 0')
    if min_share > 1:
        raise ValueError(f'ForegroundBalancedSampler min_share={min_share} is a fraction '
                         'of an item\'s pixels: it must be <= 1')
    freq = class_frequencies(counts)
    class_repeat = np.ones_like(freq)
    present = freq > 0
    class_repeat[present] = np.maximum(1.0, np.sqrt(oversample_thr / freq[present]))
    shares = counts / np.maximum(counts.sum(1, keepdims=True), 1)
    holds = (shares >= min_share) & (counts > 0)
    if background_index is not None:
        holds[:, background_index] = False
    factors = np.where(holds, class_repeat[None, :], 0.0).max(1)
    return np.where(holds.any(1), factors, float(empty_weight))


@DATA_SAMPLERS.register_module()
class ForegroundBalancedSampler(InfiniteSampler):
    """mmengine's ``InfiniteSampler`` with class-aware repeat factors: crops holding
    rare foreground are drawn more often, empty / near-empty crops as often or less
    (rules and units in the module doc).

    Switch it on in any config (every paradigm, any rleseg dataset or wrapper)::

        train_dataloader = dict(sampler=dict(
            _delete_=True, type='ForegroundBalancedSampler', oversample_thr=0.1,
            min_share=0.005, empty_weight=1.0))

    Args:
        dataset: the training dataset (the runner passes it).
        oversample_thr: pixel frequency (fraction) under which a foreground class is
            oversampled, ``r_c = max(1, sqrt(oversample_thr / p_c))``.
        min_share: share (fraction) of an item's labelled pixels a class must cover for
            the item to hold it.
        empty_weight: repeat factor of items holding no foreground class.
        background_index: the non-foreground class (None: none).
        shuffle: shuffle each pass.
        seed: the random seed (the runner passes the run's seed).

    Attributes:
        class_counts: (N, C) labelled pixels per item and class.
        repeat_factors: (N,) ``r_i``.
    """

    def __init__(self, dataset, oversample_thr: float = 0.1, min_share: float = 0.005,
                 empty_weight: float = 1.0, background_index: Optional[int] = 0,
                 shuffle: bool = True, seed: Optional[int] = None) -> None:
        self.class_counts = label_class_counts(dataset)
        self.repeat_factors = item_repeat_factors(self.class_counts, oversample_thr,
                                                  min_share, empty_weight, background_index)
        if self.repeat_factors.sum() <= 0:
            raise ValueError('ForegroundBalancedSampler: every item has repeat factor 0 '
                             '(empty_weight=0 and no item holds foreground)')
        super().__init__(dataset, shuffle=shuffle, seed=seed)
        #: Expected items per pass.
        self.size = max(1, int(round(float(self.repeat_factors.sum()))))

    def draw_pass(self, generator: torch.Generator) -> List[int]:
        """The item indices of one pass: item ``i`` ``floor(r_i)`` times, plus once with
        probability ``frac(r_i)``, shuffled when ``shuffle``."""
        factors = torch.as_tensor(self.repeat_factors, dtype=torch.float64)
        whole = torch.floor(factors)
        extra = torch.rand(len(factors), generator=generator, dtype=torch.float64) < (
            factors - whole)
        indices = torch.repeat_interleave(torch.arange(len(factors)),
                                          (whole + extra).long())
        if self.shuffle:
            indices = indices[torch.randperm(len(indices), generator=generator)]
        return indices.tolist()

    def _infinite_indices(self) -> Iterator[int]:
        generator = torch.Generator()
        generator.manual_seed(self.seed)
        while True:
            yield from self.draw_pass(generator)

