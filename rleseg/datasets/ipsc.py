"""IPSC: iPSC time-lapse microscopy (arXiv 2305.14575), as its authors ship it.

Layout under ``data_root``::

    <sequence>/imageNNN.jpg                 sequence = roi_x1_y1_x2_y2 | all_frames_roi_...
    <sequence>/masks/imageNNN.png           palette PNG: 0 background, 1 ipsc, 2 diff
    <sequence>/annotations/imageNNN.xml     VOC XML: class, track id, polygon
    splits/{test,val,train_early,train_late}.txt

Frames are indexed by sorted position in their sequence (raw numbers have gaps).
When ``masks/`` lacks a frame the mask is rasterised from its XML.
"""
from __future__ import annotations

import os
import os.path as osp
from typing import Optional

from mmseg.registry import DATASETS

from .base import SplitSegDataset
from .errors import DataError
from .meta import IPSC_CLASSES, IPSC_PALETTE
from .splits import IPSC_LAYOUT, IPSC_RELEASE, list_ipsc_frames, require_file

LABEL_SOURCES = ('auto', 'mask', 'xml')


@DATASETS.register_module()
class IPSCDataset(SplitSegDataset):
    """IPSC frames listed by a split file; items are ``<sequence>/<frame stem>``.

    Args:
        ann_file: split file under ``data_root`` (``splits/test.txt``,
            ``splits/val.txt``, ``splits/train_early.txt``, ``splits/train_late.txt``).
        img_suffix: image suffix (``.jpg``).
        seg_map_suffix: mask suffix (``.png``).
        mask_dir / xml_dir: per-sequence folders of masks and XML annotations.
        label_source: ``'auto'`` (mask PNG if present, else XML), ``'mask'`` or
            ``'xml'``.
        frames_per_sequence: if set, every sequence of a listed item must have
            exactly this many images (real data: 127), else a DataError.
        **kwargs: :class:`~rleseg.datasets.base.SplitSegDataset` arguments
            (``data_root``, ``pipeline``, ``check_items``, ``on_bad_item``, ...).

    Data infos carry ``img_path``, ``seg_map_path``, ``xml_path`` (or None),
    ``label_format`` ('index' | 'voc_xml'), ``sequence``, ``frame_stem`` and
    ``frame_index`` (sorted position in the sequence), so window datasets can
    group consecutive frames.
    """

    METAINFO = dict(classes=IPSC_CLASSES, palette=[list(c) for c in IPSC_PALETTE])
    NAME = 'IPSC'
    LAYOUT = IPSC_LAYOUT
    RELEASE = IPSC_RELEASE

    def __init__(self, ann_file: str = 'splits/test.txt', img_suffix: str = '.jpg',
                 seg_map_suffix: str = '.png', mask_dir: str = 'masks',
                 xml_dir: str = 'annotations', label_source: str = 'auto',
                 frames_per_sequence: Optional[int] = None, **kwargs) -> None:
        if label_source not in LABEL_SOURCES:
            raise ValueError(f'label_source {label_source!r} must be one of {LABEL_SOURCES}')
        self.mask_dir, self.xml_dir = mask_dir, xml_dir
        self.label_source = label_source
        self.frames_per_sequence = frames_per_sequence
        self._frames: dict[str, dict[str, int]] = {}
        super().__init__(ann_file=ann_file, img_suffix=img_suffix,
                         seg_map_suffix=seg_map_suffix, **kwargs)

    def sequence_frames(self, sequence: str) -> dict[str, int]:
        """``{frame stem: sorted index}`` of one sequence (cached)."""
        if sequence not in self._frames:
            folder = osp.join(self.data_root, sequence)
            if not osp.isdir(folder):
                state = 'is a file' if osp.exists(folder) else 'does not exist'
                raise DataError(f'IPSC sequence folder {folder} {state}')
            stems = list_ipsc_frames(self.data_root, sequence, self.img_suffix)
            expected = self.frames_per_sequence
            if expected is not None and len(stems) != expected:
                raise DataError(f'IPSC sequence {folder} has {len(stems)} frames '
                                f'(image*{self.img_suffix}); expected {expected}')
            self._frames[sequence] = {s: i for i, s in enumerate(stems)}
        return self._frames[sequence]

    def parse_item(self, item: str) -> dict:
        parts = item.strip('/').split('/')
        if len(parts) != 2:
            raise DataError(f'split file {self.ann_file} item {item!r} is not '
                            '<sequence>/<frame stem>')
        sequence, stem = parts
        seq_dir = osp.join(self.data_root, sequence)
        img_path = osp.join(seq_dir, stem + self.img_suffix)
        frames = self.sequence_frames(sequence)
        if stem not in frames:
            require_file(img_path, 'image')      # nothing, or a directory, in its place
            raise DataError(f'image {img_path} is not a frame of {seq_dir}')
        mask_path = osp.join(seq_dir, self.mask_dir, stem + self.seg_map_suffix)
        xml_path = osp.join(seq_dir, self.xml_dir, stem + '.xml')
        has_mask, has_xml = os.path.lexists(mask_path), os.path.lexists(xml_path)
        use_mask = has_mask and self.label_source != 'xml'
        if self.label_source == 'mask' and not has_mask:
            raise DataError(f'mask {mask_path} does not exist')
        if not use_mask and not has_xml:
            raise DataError(f'frame {img_path} has no label: neither {mask_path} nor '
                            f'{xml_path} exists')
        require_file(mask_path if use_mask else xml_path, 'label')  # not a directory
        info = dict(img_path=img_path, seg_map_path=mask_path if use_mask else xml_path,
                    xml_path=xml_path if has_xml else None, item=item, sequence=sequence,
                    frame_stem=stem, frame_index=frames[stem], **self.label_fields())
        info['label_format'] = 'index' if use_mask else 'voc_xml'
        return info
