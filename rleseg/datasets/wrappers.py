"""Dataset wrappers: video windows over a sequence dataset, patches over an image
dataset. Both build the wrapped dataset without a pipeline and run their own."""
from __future__ import annotations

import logging
from collections import defaultdict
from typing import Callable, Optional, Sequence, Union

from mmengine.dataset import BaseDataset
from mmengine.logging import print_log
from mmseg.registry import DATASETS

from .errors import DataError
from .imageio import image_size
from .patching import patch_boxes

DatasetLike = Union[dict, BaseDataset]


def build_inner(dataset: DatasetLike) -> BaseDataset:
    """Build a wrapped dataset from a config (its ``pipeline`` is forced empty)."""
    if isinstance(dataset, dict):
        return DATASETS.build(dict(dataset, pipeline=[]))
    return dataset


def window_starts(length: int, window: int, stride: int) -> list[int]:
    """Starts of ``window``-frame windows over ``length`` consecutive frames.

    Starts are 0, stride, 2*stride, ...; if they leave frames uncovered at the end,
    one last window ending on the last frame is added (so every frame is covered;
    it overlaps the previous one). A run shorter than ``window`` has no window.
    """
    if window < 1 or stride < 1:
        raise ValueError(f'window {window} and stride {stride} must be >= 1')
    if length < window:
        return []
    starts = list(range(0, length - window + 1, stride))
    if starts[-1] + window < length:
        starts.append(length - window)
    return starts


def consecutive_runs(indices: Sequence[int]) -> list[list[int]]:
    """Split sorted frame indices into runs of consecutive values."""
    runs: list[list[int]] = []
    for pos, value in enumerate(indices):
        if pos and value == indices[pos - 1] + 1:
            runs[-1].append(pos)
        else:
            runs.append([pos])
    return runs


@DATASETS.register_module()
class VideoWindowDataset(BaseDataset):
    """Windows of N consecutive frames of one sequence, over any sequence dataset.

    The wrapped dataset's data infos must carry ``sequence`` and ``frame_index``
    (sorted position in the sequence), like :class:`~rleseg.datasets.IPSCDataset`.
    Windows never bridge a gap in the frame indices (a frame missing from the
    split or skipped as bad); runs shorter than ``window`` give no window and are
    counted in :attr:`short_runs` and logged.

    Args:
        dataset: the frame dataset (config or instance), e.g. ``IPSCDataset`` on
            the same split file the image models use.
        window: N frames per item.
        stride: step between window starts (training 1; testing N or less). The
            last window of a run is aligned to the run's end.
        static: static-video mode: the model sees frame 0 only, the target is
            all N masks (``FormatWindow`` reads the ``static_window`` flag).
        pipeline: the window pipeline (``LoadWindowFrames``, ``WindowBroadcast``,
            ``FormatWindow``, packing).

    Item keys: ``img_paths`` / ``seg_map_paths`` / ``xml_paths`` /
    ``label_formats`` (per frame), ``frame_ids`` (frame indices), ``frame_stems``,
    ``sequence``, ``window_index``, ``static_window`` and the label description.
    """

    def __init__(self, dataset: DatasetLike, window: int = 8, stride: int = 1,
                 static: bool = False, pipeline: Sequence[Union[dict, Callable]] = (),
                 test_mode: bool = False, lazy_init: bool = False,
                 serialize_data: bool = True, max_refetch: int = 1000) -> None:
        self.dataset = build_inner(dataset)
        self.window, self.stride, self.static = int(window), int(stride), bool(static)
        window_starts(self.window, self.window, self.stride)   # validates arguments
        #: ``(sequence, number of frames)`` of runs too short for one window.
        self.short_runs: list[tuple[str, int]] = []
        super().__init__(ann_file='', metainfo=self.dataset.metainfo,
                         pipeline=list(pipeline), test_mode=test_mode, lazy_init=lazy_init,
                         serialize_data=serialize_data, max_refetch=max_refetch)

    def load_data_list(self) -> list[dict]:
        by_seq: dict[str, list[dict]] = defaultdict(list)
        for i in range(len(self.dataset)):
            info = self.dataset.get_data_info(i)
            if 'sequence' not in info or 'frame_index' not in info:
                raise DataError(f'{type(self.dataset).__name__} item {i} has no sequence/'
                                'frame_index; VideoWindowDataset needs a sequence dataset')
            by_seq[info['sequence']].append(info)
        windows, self.short_runs = [], []
        for seq in sorted(by_seq):
            frames = sorted(by_seq[seq], key=lambda f: f['frame_index'])
            for run in consecutive_runs([f['frame_index'] for f in frames]):
                starts = window_starts(len(run), self.window, self.stride)
                if not starts:
                    self.short_runs.append((seq, len(run)))
                for start in starts:
                    chosen = [frames[p] for p in run[start:start + self.window]]
                    windows.append(self._window_info(chosen, len(windows)))
        if self.short_runs:
            print_log(f'VideoWindowDataset: {len(self.short_runs)} runs of consecutive '
                      f'frames are shorter than the window ({self.window}) and give no '
                      f'item, e.g. {self.short_runs[0]}', logger='current',
                      level=logging.WARNING)
        if not windows:
            raise DataError(f'VideoWindowDataset: no sequence has {self.window} '
                            'consecutive frames')
        return windows

    def _window_info(self, frames: list[dict], index: int) -> dict:
        first = frames[0]
        shared = {k: v for k, v in first.items() if k not in (
            'img_path', 'seg_map_path', 'xml_path', 'label_format', 'frame_index',
            'frame_stem', 'item')}
        return dict(shared,
                    img_paths=[f['img_path'] for f in frames],
                    seg_map_paths=[f['seg_map_path'] for f in frames],
                    xml_paths=[f.get('xml_path') for f in frames],
                    label_formats=[f['label_format'] for f in frames],
                    frame_ids=[int(f['frame_index']) for f in frames],
                    frame_stems=[f.get('frame_stem') for f in frames],
                    items=[f.get('item') for f in frames],
                    window_index=index, static_window=self.static)


@DATASETS.register_module()
class PatchDataset(BaseDataset):
    """Every patch of every image of a dataset, each item recording its window.

    Items are ``(image, box)`` pairs over the grid of :func:`patch_boxes`, in
    image order then row-major; the pipeline must contain
    :class:`~rleseg.datasets.transforms.ExtractPatch` (after the resize to
    ``image_size``, if any), which crops the item's ``patch_box``. Predictions are
    merged back per ``source_index`` with :func:`rleseg.datasets.stitch_patches`.

    Args:
        dataset: the image dataset (config or instance).
        patch_size: P (int or (h, w)).
        stride: grid step (default P).
        image_size: (H, W) every image is resized to before patching (the
            paper's R x R); None: each image's own size (read from its header).
        pipeline: the patch pipeline.

    Item keys: the wrapped item's plus ``patch_box`` (y0, x0, y1, x1),
    ``patch_index``, ``num_patches``, ``source_index``, ``stitch_shape`` (H, W).
    """

    def __init__(self, dataset: DatasetLike, patch_size: Union[int, tuple[int, int]],
                 stride: Union[None, int, tuple[int, int]] = None,
                 image_size: Optional[tuple[int, int]] = None,
                 pipeline: Sequence[Union[dict, Callable]] = (), test_mode: bool = False,
                 lazy_init: bool = False, serialize_data: bool = True,
                 max_refetch: int = 1000) -> None:
        self.dataset = build_inner(dataset)
        self.patch_size, self.stride = patch_size, stride
        self.image_size = tuple(image_size) if image_size is not None else None
        super().__init__(ann_file='', metainfo=self.dataset.metainfo,
                         pipeline=list(pipeline), test_mode=test_mode, lazy_init=lazy_init,
                         serialize_data=serialize_data, max_refetch=max_refetch)

    def load_data_list(self) -> list[dict]:
        out = []
        for i in range(len(self.dataset)):
            info = self.dataset.get_data_info(i)
            shape = self.image_size or image_size(info['img_path'])
            boxes = patch_boxes(shape, self.patch_size, self.stride)
            for j, box in enumerate(boxes):
                out.append(dict(info, patch_box=box, patch_index=j, num_patches=len(boxes),
                                source_index=i, stitch_shape=tuple(shape)))
        return out
