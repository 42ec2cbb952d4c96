"""Common base of the split-file datasets (IPSC, ARIS).

A subclass turns each line of the split file (``ann_file``) into a data info
(:meth:`SplitSegDataset.parse_item`) and says how to check it
(:meth:`SplitSegDataset.check_item`). The base adds:

* one-line errors for a missing ``data_root`` (naming the expected layout) or a
  missing split file (naming the command that writes it);
* item checks at construction: ``check_items='none'`` (paths only),
  ``'header'`` (default: files exist, their bytes are intact (PNG CRCs, JPEG
  marker structure, TIFF strips inside the file; see
  :mod:`rleseg.datasets.integrity`), image headers readable, mask size equals
  image size; reads every file once, decodes no pixels) or ``'full'`` (also
  decode every image and label: corrupt files, label values outside the class
  set, malformed XML polygons);
* an item error names the split file that lists the item;
* ``on_bad_item='raise'`` (default: the first bad item raises
  :class:`~rleseg.datasets.errors.DataError`) or ``'skip'`` (bad items are
  dropped, counted in :attr:`skipped` and reported in one log warning).

The label loader (:class:`~rleseg.datasets.transforms.LoadSegAnnotations`) reads
what a data info says: ``seg_map_path``, ``label_format`` ('index' |
'grey_levels' | 'voc_xml'), ``num_classes``, ``class_names``,
``grey_thresholds``, plus mmseg's ``label_map`` / ``reduce_zero_label``.
"""
from __future__ import annotations

import logging
from typing import ClassVar

from mmengine.logging import print_log
from mmseg.datasets import BaseSegDataset

from .errors import DataError
from .imageio import check_image_file, decode_label_file, read_image
from .splits import read_split_file, require_root

CHECK_LEVELS = ('none', 'header', 'full')
BAD_ITEM_POLICIES = ('raise', 'skip')


class SplitSegDataset(BaseSegDataset):
    """Base of the datasets that read a split file under ``data_root``.

    Args:
        ann_file: split file, relative to ``data_root`` (e.g. ``'splits/test.txt'``).
        check_items: ``'none'`` | ``'header'`` | ``'full'`` (see module doc).
        on_bad_item: ``'raise'`` | ``'skip'``.
        **kwargs: :class:`mmseg.datasets.BaseSegDataset` arguments.
    """

    #: Short dataset name for messages.
    NAME: ClassVar[str] = 'dataset'
    #: One-line description of the on-disk layout, for the missing-root error.
    LAYOUT: ClassVar[str] = ''
    #: Where the real release is published and how to run without it, appended to
    #: the missing-``data_root`` error.
    RELEASE: ClassVar[str] = ''
    #: How label files encode classes (see :mod:`rleseg.datasets.imageio`).
    LABEL_FORMAT: ClassVar[str] = 'index'

    def __init__(self, ann_file: str = '', check_items: str = 'header',
                 on_bad_item: str = 'raise', **kwargs) -> None:
        if check_items not in CHECK_LEVELS:
            raise ValueError(f'check_items {check_items!r} must be one of {CHECK_LEVELS}')
        if on_bad_item not in BAD_ITEM_POLICIES:
            raise ValueError(f'on_bad_item {on_bad_item!r} must be one of '
                             f'{BAD_ITEM_POLICIES}')
        self.check_items = check_items
        self.on_bad_item = on_bad_item
        #: ``(item, reason)`` of every item skipped by ``on_bad_item='skip'``.
        self.skipped: list[tuple[str, str]] = []
        super().__init__(ann_file=ann_file, **kwargs)

    # ------------------------------------------------------------------ subclass API
    def parse_item(self, item: str) -> dict:
        """Data info of one split-file line (paths only; may raise DataError)."""
        raise NotImplementedError

    def check_item(self, info: dict, level: str) -> None:
        """Check one data info at ``level`` ('header' | 'full'); raise DataError.

        The default checks the image and its label file: existence, readable
        header, equal sizes ('header'); full decoding and label values ('full').
        """
        shape = check_image_file(info['img_path'])
        if level == 'full':
            read_image(info['img_path'], verify=True)
            decode_label_file(info['seg_map_path'], info['label_format'],
                              info['num_classes'] + int(bool(info.get('reduce_zero_label'))),
                              info.get('class_names'),
                              info.get('grey_thresholds', (64, 192)), self.ignore_index,
                              shape, info.get('binary_255'))
        elif info['label_format'] != 'voc_xml':
            label_shape = check_image_file(info['seg_map_path'], 'label')
            if label_shape != shape:
                raise DataError(f"label {info['seg_map_path']} is {label_shape[0]}x"
                                f'{label_shape[1]} but its image is {shape[0]}x{shape[1]}')

    # ------------------------------------------------------------------ loading
    def label_fields(self) -> dict:
        """Keys every data info carries for the label loader."""
        classes = tuple(self._metainfo['classes'])
        return dict(label_format=self.LABEL_FORMAT, num_classes=len(classes),
                    class_names=classes, label_map=self.label_map,
                    reduce_zero_label=self.reduce_zero_label, seg_fields=[])

    def list_items(self) -> list[str]:
        """The items of the split: the lines of its split file (``ann_file``)."""
        root = require_root(self.data_root, self.NAME, self.LAYOUT, self.RELEASE)
        return read_split_file(self.ann_file, self.NAME, root)

    def item_source(self) -> str:
        """Where the items come from, for error messages."""
        return f'split file {self.ann_file}'

    def load_data_list(self) -> list[dict]:
        """Build and check every item of :meth:`list_items` (``on_bad_item`` policy)."""
        items = self.list_items()
        source = self.item_source()
        infos, self.skipped = [], []
        for item in items:
            try:
                info = self.parse_item(item)
                if self.check_items != 'none':
                    self.check_item(info, self.check_items)
            except DataError as exc:
                error = DataError(f'{exc} (item {item!r} of {source})')
                if self.on_bad_item == 'raise':
                    raise error from None
                self.skipped.append((item, str(error)))
                continue
            infos.append(info)
        if self.skipped:
            print_log(f'{self.NAME}: skipped {len(self.skipped)} of {len(items)} items of '
                      f'{source} (first: {self.skipped[0][1]})', logger='current',
                      level=logging.WARNING)
        if not infos:
            raise DataError(f'{self.NAME}: no usable item in {source}')
        return infos

