"""ARIS: Alberta River Ice Segmentation, as its authors ship it.

Layout under ``data_root``::

    images/img_N.tif      N = 1..50, no zero padding (sorted numerically)
    labels/img_N.tif      3-channel grey: ~0 water, ~128 anchor ice, ~255 frazil ice,
                          anti-aliased boundaries (thresholded, never compared for ==)
    splits/{train_4,train_8,train_16,train_24,train_28,train_32,val,test}.txt
"""
from __future__ import annotations

import os.path as osp
from typing import Sequence

from mmseg.registry import DATASETS

from .base import SplitSegDataset
from .meta import ARIS_CLASSES, ARIS_PALETTE, ARIS_THRESHOLDS
from .splits import ARIS_LAYOUT, ARIS_RELEASE, require_file


@DATASETS.register_module()
class ARISDataset(SplitSegDataset):
    """ARIS images listed by a split file; items are image stems ``img_N``.

    Args:
        ann_file: split file under ``data_root`` (``splits/train_32.txt``, ...,
            ``splits/test.txt``).
        img_suffix / seg_map_suffix: ``.tif``.
        img_dir / label_dir: ``images`` / ``labels``.
        grey_thresholds: label level thresholds (``<64`` water, ``64..191`` anchor
            ice, ``>=192`` frazil ice).
        **kwargs: :class:`~rleseg.datasets.base.SplitSegDataset` arguments.
    """

    METAINFO = dict(classes=ARIS_CLASSES, palette=[list(c) for c in ARIS_PALETTE])
    NAME = 'ARIS'
    LAYOUT = ARIS_LAYOUT
    RELEASE = ARIS_RELEASE
    LABEL_FORMAT = 'grey_levels'

    def __init__(self, ann_file: str = 'splits/train_28.txt', img_suffix: str = '.tif',
                 seg_map_suffix: str = '.tif', img_dir: str = 'images',
                 label_dir: str = 'labels',
                 grey_thresholds: Sequence[int] = ARIS_THRESHOLDS, **kwargs) -> None:
        self.img_dir, self.label_dir = img_dir, label_dir
        self.grey_thresholds = tuple(int(t) for t in grey_thresholds)
        super().__init__(ann_file=ann_file, img_suffix=img_suffix,
                         seg_map_suffix=seg_map_suffix, **kwargs)

    def parse_item(self, item: str) -> dict:
        img_path = osp.join(self.data_root, self.img_dir, item + self.img_suffix)
        label_path = osp.join(self.data_root, self.label_dir, item + self.seg_map_suffix)
        require_file(img_path, 'image')
        require_file(label_path, 'label')
        return dict(img_path=img_path, seg_map_path=label_path, item=item,
                    grey_thresholds=self.grey_thresholds, **self.label_fields())
