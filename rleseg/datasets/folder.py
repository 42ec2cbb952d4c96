"""mmseg's plain folder layout as a dataset: your own data without writing code.

Layout under ``data_root`` (folder names are the config's ``data_prefix``)::

    img_dir/train/<stem><img_suffix>        images (any format OpenCV reads; grey is
                                            read as 3 channels)
    ann_dir/train/<stem><seg_map_suffix>    labels: class ids 0..C-1 (grey or palette
                                            PNG, never JPEG), ``ignore_index`` allowed;
                                            0 / 255 binary masks need ``binary_255``
    inst_dir/train/<stem><inst_suffix>      optional: instance ids, 8/16-bit grey,
                                            0 = none (panoptic targets)
    img_dir/test/..., ann_dir/test/...      the test split, same structure

Items are the stems listed by ``ann_file`` (optional split file under ``data_root``,
one stem per line relative to the image folder, as mmseg's ``ann_file``) or, without
one, every image and every label found under the two folders (recursively, natural
order), so an image without a label and a label without an image are both reported.
Class names and colours come from the config: ``metainfo=dict(classes=..., palette=...)``.

Bad input (a missing root or folder, an unpaired file, a label out of range, an
instance map of the wrong size) raises a one-line
:class:`~rleseg.datasets.errors.DataError` naming the file, with the checks and the
``on_bad_item`` policy of :class:`~rleseg.datasets.base.SplitSegDataset`.
"""
from __future__ import annotations

import os
import os.path as osp
from typing import Optional

import cv2
import numpy as np
from mmseg.registry import DATASETS

from .base import SplitSegDataset
from .errors import DataError
from .imageio import check_image_file, image_size, read_bytes
from .splits import natural_key, read_split_file, require_root

#: ``data_prefix`` keys: image folder, label folder, optional instance folder.
PREFIX_KEYS = ('img_path', 'seg_map_path', 'inst_map_path')
#: Label suffixes refused as lossy.
LOSSY_SUFFIXES = ('.jpg', '.jpeg')
FOLDER_LAYOUT = ('<root>/<img_path>/<stem><img_suffix> and '
                 '<root>/<seg_map_path>/<stem><seg_map_suffix> (data_prefix), optional '
                 '<root>/<inst_map_path>/<stem><inst_suffix>')


def read_instance_map(path: str, shape: Optional[tuple[int, int]] = None) -> np.ndarray:
    """Read an instance-id map: ``(H, W)`` int32, 0 = no instance.

    Args:
        path: 8- or 16-bit one-channel image (PNG / TIFF).
        shape: expected ``(H, W)`` (the image's).

    Raises:
        DataError: missing, damaged or unreadable file, more than one channel,
            non-integer values or a size different from ``shape``.
    """
    data = read_bytes(path, 'instance map')
    arr = cv2.imdecode(data, cv2.IMREAD_UNCHANGED) if data.size else None
    if arr is None:
        raise DataError(f'instance map {path} is corrupt or not an image')
    if arr.ndim != 2:
        raise DataError(f'instance map {path} has {arr.shape[2]} channels; expected one '
                        'channel of instance ids (8- or 16-bit grey)')
    if not np.issubdtype(arr.dtype, np.integer):
        raise DataError(f'instance map {path} has {arr.dtype} values; expected integer '
                        'instance ids')
    if shape is not None and tuple(arr.shape) != tuple(shape):
        raise DataError(f'instance map {path} is {arr.shape[0]}x{arr.shape[1]} but its '
                        f'image is {shape[0]}x{shape[1]}')
    return arr.astype(np.int32)


def check_metainfo(metainfo: Optional[dict], dataset: str) -> None:
    """Classes (required) and palette (optional) of a folder dataset's config.

    Raises:
        ValueError: one line naming the missing / inconsistent ``metainfo`` field.
    """
    classes = (metainfo or {}).get('classes')
    if not classes or isinstance(classes, str):
        raise ValueError(f"{dataset} needs metainfo=dict(classes=('background', ...)) in "
                         'its config: one name per label id')
    palette = (metainfo or {}).get('palette')
    if palette is None:
        return
    if len(palette) != len(classes):
        raise ValueError(f'{dataset} metainfo palette has {len(palette)} colours but '
                         f'classes has {len(classes)} names')
    for colour in palette:
        if len(colour) != 3 or not all(isinstance(v, int) and 0 <= v <= 255
                                       for v in colour):
            raise ValueError(f'{dataset} metainfo palette colour {colour!r} is not 3 '
                             'integers in 0..255')


def list_files(folder: str, suffix: str) -> list[str]:
    """Stems (relative paths without ``suffix``) of every file below ``folder``."""
    stems = []
    for dirpath, _, files in os.walk(folder):
        rel = osp.relpath(dirpath, folder)
        stems += [osp.normpath(osp.join(rel, f[:-len(suffix)])) for f in files
                  if f.endswith(suffix)]
    return stems


@DATASETS.register_module()
class FolderSegDataset(SplitSegDataset):
    """Images and labels in mmseg's plain folder layout (see the module doc).

    Args:
        data_prefix: ``img_path`` and ``seg_map_path`` folders (relative to
            ``data_root``), optionally ``inst_map_path`` (instance maps, read by
            ``LoadSegAnnotations(with_instances=True)``).
        ann_file: optional split file (stems); ``''`` lists the folders.
        img_suffix / seg_map_suffix / inst_suffix: file suffixes (``.png``); a JPEG
            ``seg_map_suffix`` is refused (lossy labels).
        binary_255: labels are binary masks saved as 0 / 255: ``True`` reads 255 as
            class 1, ``False`` keeps 255 as ``ignore_index``, ``None`` (default)
            refuses a label holding only 0 and 255 with this hint
            (:func:`~rleseg.datasets.imageio.decode_label_file`).
        metainfo: ``dict(classes=(...), palette=[[r, g, b], ...])``; classes are
            required (index = label id), palette is optional.
        **kwargs: :class:`~rleseg.datasets.base.SplitSegDataset` arguments
            (``data_root``, ``pipeline``, ``check_items``, ``on_bad_item``,
            ``ignore_index``, ``reduce_zero_label``, ...).

    Data infos carry ``img_path``, ``seg_map_path``, ``item`` (the stem),
    ``binary_255``, the label description of the base, and ``inst_map_path`` when
    instances are configured.
    """

    NAME = 'FolderSegDataset'
    LAYOUT = FOLDER_LAYOUT

    def __init__(self, data_prefix: Optional[dict] = None, ann_file: str = '',
                 img_suffix: str = '.png', seg_map_suffix: str = '.png',
                 inst_suffix: str = '.png', metainfo: Optional[dict] = None,
                 binary_255: Optional[bool] = None, **kwargs) -> None:
        prefix = dict(data_prefix or dict(img_path='img_dir', seg_map_path='ann_dir'))
        for key in prefix:
            if key not in PREFIX_KEYS:
                raise ValueError(f'{self.NAME} data_prefix key {key!r} must be one of '
                                 f'{PREFIX_KEYS}')
        for key in PREFIX_KEYS[:2]:
            if not isinstance(prefix.get(key), str):
                raise ValueError(f'{self.NAME} data_prefix needs {key!r} (a folder)')
        check_metainfo(dict(self.METAINFO, **(metainfo or {})), self.NAME)
        if seg_map_suffix.lower().endswith(LOSSY_SUFFIXES):
            raise DataError(f'{self.NAME} seg_map_suffix {seg_map_suffix!r}: JPEG labels '
                            'are lossy (compression changes label values along class '
                            'boundaries); save labels as PNG')
        if binary_255 and len(dict(self.METAINFO, **(metainfo or {}))['classes']) != 2:
            raise DataError(f'{self.NAME} binary_255=True needs exactly 2 classes in '
                            'metainfo')
        self.inst_suffix = inst_suffix
        self.binary_255 = binary_255
        super().__init__(ann_file=ann_file, data_prefix=prefix, img_suffix=img_suffix,
                         seg_map_suffix=seg_map_suffix, metainfo=metainfo, **kwargs)

    # ------------------------------------------------------------------ items
    def list_items(self) -> list[str]:
        """Stems of the split file, or of every image and label in the folders."""
        if self.data_root:
            require_root(self.data_root, self.NAME, self.LAYOUT)
        for key in PREFIX_KEYS:
            folder = self.data_prefix.get(key)
            if folder is not None and not osp.isdir(folder):
                raise DataError(f'{self.NAME} folder {folder} ({key}) does not exist; '
                                f'expected {self.LAYOUT}')
        if self.ann_file:
            if not osp.isfile(self.ann_file):
                raise DataError(f'split file {self.ann_file} does not exist; list one '
                                'image stem per line, or set ann_file=\'\' to use every '
                                'image of the folder')
            return read_split_file(self.ann_file, self.NAME)
        stems = set(list_files(self.data_prefix['img_path'], self.img_suffix))
        stems |= set(list_files(self.data_prefix['seg_map_path'], self.seg_map_suffix))
        if not stems:
            raise DataError(f"{self.NAME} folder {self.data_prefix['img_path']} has no "
                            f'*{self.img_suffix} image')
        return sorted(stems, key=natural_key)

    def parse_item(self, item: str) -> dict:
        img = osp.join(self.data_prefix['img_path'], item + self.img_suffix)
        seg = osp.join(self.data_prefix['seg_map_path'], item + self.seg_map_suffix)
        has_img, has_seg = osp.isfile(img), osp.isfile(seg)
        if not has_img:
            raise DataError(f'label {seg} has no image: {img} does not exist' if has_seg
                            else f'image {img} does not exist')
        if not has_seg:
            raise DataError(f'image {img} has no label: {seg} does not exist')
        info = dict(img_path=img, seg_map_path=seg, item=item, binary_255=self.binary_255,
                    **self.label_fields())
        if 'inst_map_path' in self.data_prefix:
            inst = osp.join(self.data_prefix['inst_map_path'], item + self.inst_suffix)
            if not osp.isfile(inst):
                raise DataError(f'image {img} has no instance map: {inst} does not exist')
            info['inst_map_path'] = inst
        return info

    def check_item(self, info: dict, level: str) -> None:
        super().check_item(info, level)
        if 'inst_map_path' not in info:
            return
        shape = image_size(info['img_path'])        # the base has checked the file
        if level == 'full':
            read_instance_map(info['inst_map_path'], shape)
            return
        inst_shape = check_image_file(info['inst_map_path'], 'instance map')
        if inst_shape != shape:
            raise DataError(f"instance map {info['inst_map_path']} is {inst_shape[0]}x"
                            f'{inst_shape[1]} but its image is {shape[0]}x{shape[1]}')

    def item_source(self) -> str:
        return (f'split file {self.ann_file}' if self.ann_file else
                f"folder {self.data_prefix['img_path']}")

