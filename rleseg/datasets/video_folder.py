"""mmseg's plain folder layout with one folder per sequence: your own video, no code.

Layout under ``data_root`` (folder names are the config's ``data_prefix``)::

    img_dir/train/<sequence>/<frame><img_suffix>       frames (grey is read as 3 channels)
    ann_dir/train/<sequence>/<frame><seg_map_suffix>   labels: class ids 0..C-1
    inst_dir/train/<sequence>/<frame><inst_suffix>     optional: instance ids, 0 = none
    img_dir/val/..., img_dir/test/...                  the other splits, same structure

Every frame is one item (``<sequence>/<frame>``, as :class:`~rleseg.datasets.
FolderSegDataset` lists nested folders), so per-frame models read this dataset as it
is and :class:`~rleseg.datasets.VideoWindowDataset` wraps it into windows of N
consecutive frames. Frames of a sequence are ordered by name (natural order:
``t2`` before ``t10``); the last number of a frame name is its frame number, and
consecutive frames must differ by ``frame_step`` (a gap means a missing frame).

Bad input raises a one-line :class:`~rleseg.datasets.errors.DataError` naming the
file: a frame outside a sequence folder, a frame name without a number, a gap in the
frame numbers, a frame without its label (or a label without its frame), frames of
one sequence with different sizes, plus every check of the folder dataset.
"""
from __future__ import annotations

import os.path as osp
import re
from collections import defaultdict

from mmseg.registry import DATASETS

from .errors import DataError
from .folder import FolderSegDataset
from .imageio import image_size
from .splits import natural_key

VIDEO_FOLDER_LAYOUT = ('<root>/<img_path>/<sequence>/<frame><img_suffix> and '
                       '<root>/<seg_map_path>/<sequence>/<frame><seg_map_suffix> '
                       '(data_prefix), optional <root>/<inst_map_path>/<sequence>/<frame>'
                       '<inst_suffix>')
_LAST_NUMBER = re.compile(r'(\d+)\D*$')


def frame_number(stem: str) -> int | None:
    """The last number in a frame name (``'t07'`` -> 7, ``'frame_3_gfp'`` -> 3)."""
    match = _LAST_NUMBER.search(stem)
    return int(match.group(1)) if match else None


@DATASETS.register_module()
class VideoFolderDataset(FolderSegDataset):
    """Frames of sequences in mmseg's plain folder layout (see the module doc).

    Args:
        frame_step: difference between the numbers of consecutive frames (1: every
            frame; e.g. 5 for frames numbered 0, 5, 10, ...).
        **kwargs: :class:`~rleseg.datasets.FolderSegDataset` arguments
            (``data_root``, ``data_prefix``, ``ann_file``, ``metainfo``, suffixes,
            ``check_items``, ``on_bad_item``, ...). A split file (``ann_file``)
            lists ``<sequence>/<frame>`` items.

    Data infos carry the folder dataset's keys plus ``sequence`` (the folder, relative
    to the image folder), ``frame_stem`` and ``frame_index`` (0-based position of the
    frame in its sequence), the keys :class:`~rleseg.datasets.VideoWindowDataset`
    groups windows by. A frame dropped by ``on_bad_item='skip'`` leaves a gap that no
    window bridges.
    """

    NAME = 'VideoFolderDataset'
    LAYOUT = VIDEO_FOLDER_LAYOUT

    def __init__(self, frame_step: int = 1, **kwargs) -> None:
        if int(frame_step) < 1:
            raise ValueError(f'{self.NAME} frame_step {frame_step!r} must be >= 1')
        self.frame_step = int(frame_step)
        #: ``{item: 0-based position in its sequence}`` of the listed frames.
        self._positions: dict[str, int] = {}
        super().__init__(**kwargs)

    def list_items(self) -> list[str]:
        """The folder dataset's items, checked as sequences (order, numbers, gaps)."""
        items = super().list_items()
        by_seq: dict[str, list[str]] = defaultdict(list)
        for item in items:
            sequence = osp.dirname(item)
            if not sequence:
                raise DataError(
                    f"{self.NAME}: frame {osp.join(self.data_prefix['img_path'], item)} is "
                    f'not in a sequence folder; expected {self.LAYOUT}')
            by_seq[sequence].append(item)
        self._positions = {}
        for sequence, frames in by_seq.items():
            frames.sort(key=natural_key)           # a split file may list them unordered
            self._check_numbers(sequence, frames)
            self._positions.update((item, pos) for pos, item in enumerate(frames))
        return items

    def _check_numbers(self, sequence: str, frames: list[str]) -> None:
        """Frame numbers of one sequence (in name order) must step by ``frame_step``."""
        folder = osp.join(self.data_prefix['img_path'], sequence)
        numbers = []
        for item in frames:
            number = frame_number(osp.basename(item))
            if number is None:
                raise DataError(f'{self.NAME}: frame {osp.basename(item)} of sequence '
                                f'{folder} has no number in its name; frames are ordered '
                                'and checked for gaps by their last number')
            numbers.append(number)
        for pos in range(1, len(frames)):
            if numbers[pos] - numbers[pos - 1] != self.frame_step:
                prev, cur = (osp.basename(frames[p]) for p in (pos - 1, pos))
                raise DataError(
                    f'{self.NAME}: sequence {folder} has frame {cur} (number '
                    f'{numbers[pos]}) after {prev} (number {numbers[pos - 1]}); consecutive '
                    f'frames must differ by frame_step={self.frame_step}: a frame is '
                    'missing, or set frame_step')

    def parse_item(self, item: str) -> dict:
        info = super().parse_item(item)
        info.update(sequence=osp.dirname(item), frame_stem=osp.basename(item),
                    frame_index=self._positions[item])
        return info

    def load_data_list(self) -> list[dict]:
        """The folder dataset's frames; with item checks on, every frame of a sequence
        must have the size of its first frame (windows stack frames)."""
        infos = super().load_data_list()
        if self.check_items == 'none':
            return infos
        first: dict[str, tuple[str, tuple[int, int]]] = {}
        for info in infos:
            shape = image_size(info['img_path'])
            path, expected = first.setdefault(info['sequence'], (info['img_path'], shape))
            if shape != expected:
                raise DataError(
                    f"{self.NAME}: frame {info['img_path']} is {shape[0]}x{shape[1]} but "
                    f'frame {path} of the same sequence is {expected[0]}x{expected[1]}; '
                    'every frame of a sequence must have one size')
        return infos
