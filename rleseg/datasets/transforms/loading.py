"""Image loading, label loading for the split-file datasets and multi-frame loading
for windows.

:class:`LoadImage` is registered in mmseg's TRANSFORMS under mmcv's name
``LoadImageFromFile`` too, so every config's ``dict(type='LoadImageFromFile')`` (mmseg
scope) decodes images by the rules of :mod:`rleseg.datasets.imageio`: pixels as
stored (EXIF orientation ignored, like the labels), 16-bit / float images scaled to
8 bits by a stated linear rule instead of OpenCV's silent ``>> 8``.

The label loaders read the label description that the dataset puts in every data info
(``label_format``, ``num_classes``, ``class_names``, ``grey_thresholds``,
``label_map``, ``reduce_zero_label``) and raise
:class:`~rleseg.datasets.errors.DataError` naming the file on any bad input:
unreadable label, size different from the image, values outside the class set,
malformed XML polygon.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms import LoadImageFromFile as MMCVLoadImageFromFile
from mmengine import fileio
from mmseg.registry import TRANSFORMS

from ..errors import DataError
from ..folder import read_instance_map
from ..imageio import decode_image, decode_label_file, read_image
from ..voc_xml import parse_voc_xml, rasterize_objects


def _map_labels(gt: np.ndarray, results: dict, reduce_zero_label: bool) -> np.ndarray:
    """mmseg's ``reduce_zero_label`` and ``label_map`` handling."""
    if reduce_zero_label:
        gt = gt.copy()
        gt[gt == 0] = 255
        gt = gt - 1
        gt[gt == 254] = 255
    label_map = results.get('label_map')
    if label_map:
        src = gt.copy()
        for old, new in label_map.items():
            gt[src == old] = new
    return gt


def load_label(results: dict, path: str, label_format: str,
               shape: Optional[tuple[int, int]], ignore_index: int = 255,
               reduce_zero_label: bool = False) -> np.ndarray:
    """Decode one label file with the dataset's label description in ``results``.

    With ``reduce_zero_label`` the file holds ids 0..C (0 becomes ignore, the others
    shift down by one), so one id more is in range.

    Returns:
        ``(H, W)`` uint8 class ids (before ``label_map`` / ``reduce_zero_label``).
    """
    num_ids = int(results['num_classes']) + int(bool(reduce_zero_label))
    return decode_label_file(path, label_format, num_ids,
                             results.get('class_names'),
                             results.get('grey_thresholds', (64, 192)), ignore_index, shape,
                             results.get('binary_255'))


def load_instances(results: dict, xml_path: Optional[str],
                   shape: tuple[int, int]) -> np.ndarray:
    """``(H, W)`` int32 instance-id map (0 = none): the data info's instance map
    (``inst_map_path``, folder datasets), else rasterised from a frame's XML."""
    if results.get('inst_map_path') is not None:
        return read_instance_map(results['inst_map_path'], shape)
    if xml_path is None:
        raise DataError(f"frame {results.get('img_path')} has no XML annotation to "
                        'read instances from')
    ann = parse_voc_xml(xml_path)
    _, instances = rasterize_objects(ann.objects, ann.checked_shape(shape),
                                     results['class_names'], xml_path)
    return instances


@TRANSFORMS.register_module(name='LoadImageFromFile')
@TRANSFORMS.register_module()
class LoadImage(MMCVLoadImageFromFile):
    """mmcv's ``LoadImageFromFile`` with rleseg's decoding rules (see the module doc).

    Same arguments and keys as mmcv's (``img``, ``img_shape``, ``ori_shape``), plus
    ``intensity_range``. ``color_type`` ``'color'`` gives ``(H, W, 3)`` uint8 BGR,
    ``'grayscale'`` ``(H, W)``; any other ``color_type`` or ``imdecode_backend``, or
    the deprecated ``file_client_args``, is decoded by mmcv unchanged.

    Args:
        intensity_range: ``(low, high)`` of 16-bit / float images mapped to 0..255
            (clipped); ``None``: each image's own minimum..maximum.
    """

    def __init__(self, intensity_range: Optional[tuple[float, float]] = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if intensity_range is not None and not (
                len(intensity_range) == 2 and intensity_range[1] > intensity_range[0]):
            raise ValueError(f'LoadImageFromFile intensity_range {intensity_range!r} must '
                             'be (low, high) with high > low')
        self.intensity_range = intensity_range

    def transform(self, results: dict) -> Optional[dict]:
        if (self.imdecode_backend != 'cv2' or self.file_client_args is not None
                or self.color_type not in ('color', 'grayscale')):
            return super().transform(results)
        path = results['img_path']
        try:
            data = np.frombuffer(fileio.get(path, backend_args=self.backend_args), np.uint8)
            img = decode_image(data, path, grayscale=self.color_type == 'grayscale',
                               intensity_range=self.intensity_range)
        except (OSError, DataError):
            if self.ignore_empty:
                return None
            raise
        if self.to_float32:
            img = img.astype(np.float32)
        results.update(img=img, img_shape=img.shape[:2], ori_shape=img.shape[:2])
        return results

    def __repr__(self) -> str:
        return f'{super().__repr__()[:-1]}, intensity_range={self.intensity_range})'


@TRANSFORMS.register_module()
class LoadSegAnnotations(BaseTransform):
    """Load the semantic label (and optionally instances) of one image.

    The label file is ``results['seg_map_path']`` decoded by
    ``results['label_format']``: ``'index'`` (class-id PNG/TIFF),
    ``'grey_levels'`` (thresholded grey levels, ARIS) or ``'voc_xml'``
    (polygons rasterised, IPSC without ``masks/``).

    Required keys: ``seg_map_path``, ``label_format``, ``num_classes``
    (+ ``class_names`` for XML, ``grey_thresholds`` for grey levels);
    ``ori_shape`` if an image was loaded (the label must have that size).

    Added keys: ``gt_seg_map`` ((H, W) uint8), ``seg_fields``; with
    ``with_instances``: ``gt_instance_map`` ((H, W) int32 ids from ``inst_map_path``
    or track ids from ``xml_path``, also a seg field so geometric transforms follow it).

    Args:
        with_instances: also load the instance map.
        reduce_zero_label: override the dataset's ``reduce_zero_label``.
        ignore_index: the one label value allowed outside the class set.
    """

    def __init__(self, with_instances: bool = False,
                 reduce_zero_label: Optional[bool] = None,
                 ignore_index: int = 255) -> None:
        self.with_instances = with_instances
        self.reduce_zero_label = reduce_zero_label
        self.ignore_index = ignore_index

    def transform(self, results: dict) -> dict:
        shape = tuple(results['ori_shape']) if 'ori_shape' in results else None
        reduce = (self.reduce_zero_label if self.reduce_zero_label is not None else
                  results.get('reduce_zero_label', False))
        gt = load_label(results, results['seg_map_path'], results['label_format'], shape,
                        self.ignore_index, reduce)
        results['gt_seg_map'] = _map_labels(gt, results, reduce)
        fields = results.setdefault('seg_fields', [])
        if 'gt_seg_map' not in fields:
            fields.append('gt_seg_map')
        if self.with_instances:
            results['gt_instance_map'] = load_instances(results, results.get('xml_path'),
                                                        gt.shape)
            if 'gt_instance_map' not in fields:
                fields.append('gt_instance_map')
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(with_instances={self.with_instances}, '
                f'reduce_zero_label={self.reduce_zero_label}, '
                f'ignore_index={self.ignore_index})')


@TRANSFORMS.register_module()
class LoadWindowFrames(BaseTransform):
    """Load every frame and/or label of a video-window item.

    Like mmseg test pipelines (image resized, ground truth kept at full
    resolution), frames and labels can be loaded in two steps:
    ``LoadWindowFrames(with_seg=False)`` -> resize -> ``LoadWindowFrames(with_img=False)``.

    Required keys (from :class:`~rleseg.datasets.VideoWindowDataset`):
    ``img_paths``, ``seg_map_paths``, ``label_formats``, ``num_classes``,
    ``class_names`` (+ ``xml_paths`` for instances; ``ori_shape`` when
    ``with_img=False``).

    Added keys: with ``with_img``: ``img`` ((N, H, W, 3) uint8 BGR),
    ``img_shape`` / ``ori_shape`` ((H, W)), ``img_path`` (frame 0); with
    ``with_seg``: ``gt_seg_map`` ((N, H, W) uint8), ``seg_map_path`` (frame 0),
    ``seg_fields``; with ``with_instances``: ``gt_instance_map`` ((N, H, W) int32).

    Raises:
        DataError: a frame or label is unreadable, or frames / labels differ in size.
    """

    def __init__(self, with_img: bool = True, with_seg: bool = True,
                 with_instances: bool = False, ignore_index: int = 255) -> None:
        self.with_img, self.with_seg = with_img, with_seg
        self.with_instances = with_instances
        self.ignore_index = ignore_index

    def _load_images(self, results: dict) -> tuple[int, int]:
        imgs = [read_image(p) for p in results['img_paths']]
        shape = imgs[0].shape[:2]
        for path, img in zip(results['img_paths'], imgs):
            if img.shape[:2] != shape:
                raise DataError(f'frame {path} is {img.shape[0]}x{img.shape[1]} but frame '
                                f"{results['img_paths'][0]} of its window is "
                                f'{shape[0]}x{shape[1]}')
        results.update(img=np.stack(imgs), img_shape=shape, ori_shape=shape,
                       img_path=results['img_paths'][0])
        return shape

    def transform(self, results: dict) -> dict:
        shape = (self._load_images(results) if self.with_img else
                 tuple(results['ori_shape']))
        fields = list(results.get('seg_fields', []))
        if self.with_seg:
            reduce = results.get('reduce_zero_label', False)
            results['gt_seg_map'] = np.stack([
                _map_labels(load_label(results, p, f, shape, self.ignore_index, reduce),
                            results, reduce)
                for p, f in zip(results['seg_map_paths'], results['label_formats'])])
            results['seg_map_path'] = results['seg_map_paths'][0]
            fields.append('gt_seg_map')
        if self.with_instances:
            results['gt_instance_map'] = np.stack([
                load_instances(results, p, shape) for p in results['xml_paths']])
            fields.append('gt_instance_map')
        results['seg_fields'] = list(dict.fromkeys(fields))
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(with_img={self.with_img}, '
                f'with_seg={self.with_seg}, with_instances={self.with_instances})')
