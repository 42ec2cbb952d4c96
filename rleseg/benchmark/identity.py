"""What a model was scored on: the items of a split and their identity hash.

Two models of one table must have been scored on identical items; the record keeps
:func:`dataset_identity` of each split so the report can check it (and name the
table after the data).
"""
from __future__ import annotations

import hashlib
import json
import os.path as osp
from typing import Any, Dict, List, Tuple

#: Keys that identify a scored item (a frame of a window counts as its image item).
ITEM_KEYS = ('img_path', 'seg_map_path', 'xml_path', 'patch_box')


def _is_window_dataset(dataset) -> bool:
    from rleseg.datasets import VideoWindowDataset
    return isinstance(dataset, VideoWindowDataset)


def data_root(dataset) -> str:
    """The data root of a test dataset (the wrapped dataset's for video windows)."""
    inner = dataset.dataset if _is_window_dataset(dataset) else dataset
    return inner.data_root or ''


def scored_items(dataset) -> Tuple[List[Dict[str, Any]], int]:
    """What a metric scores on a test dataset: its items and the frames per item.

    Image datasets score their items (``patch_box`` included for patch datasets). A
    :class:`~rleseg.datasets.VideoWindowDataset` is scored frame by frame
    (:class:`~rleseg.evaluation.VideoFrameMetric`), so its items are the distinct
    frames its windows cover.

    Returns:
        ``(items, frames_per_item)``: ``frames_per_item`` is the window length N for
        window datasets, 1 otherwise.
    """
    infos = [dataset.get_data_info(index) for index in range(len(dataset))]
    if not _is_window_dataset(dataset):
        return [_item(info.get(key) for key in ITEM_KEYS) for info in infos], 1
    frames: Dict[Tuple, Dict[str, Any]] = {}
    for info in infos:
        for frame in zip(info['img_paths'], info['seg_map_paths'], info['xml_paths']):
            frames.setdefault(frame, _item(frame))
    return list(frames.values()), dataset.window


def relative_path(path: str, root: str) -> str:
    """``path`` relative to the data root (unchanged without a root), so results do not
    depend on where the data lives."""
    return osp.relpath(path, root) if root else path


def _item(values) -> Dict[str, Any]:
    """``{key: value}`` over :data:`ITEM_KEYS`, leaving out the missing (None) ones."""
    return {key: value for key, value in zip(ITEM_KEYS, values) if value is not None}


def dataset_identity(dataset) -> Dict[str, Any]:
    """Label, classes and a hash of the items a test dataset is scored on.

    ``generated`` says whether the data root holds rleseg's generated demo data.
    Two models were scored on identical items exactly when ``items_sha1`` agree:
    paths are taken relative to the data root (work directories do not matter) and
    the items are hashed as a set, so a video model scored on the frames of its
    windows and an image model scored on the same frames agree (see
    :func:`scored_items`); both land in the table named after the data root.
    """
    from rleseg.datasets import is_generated
    root = data_root(dataset)
    items, frames_per_item = scored_items(dataset)
    lines = []
    for item in items:
        for key in ('img_path', 'seg_map_path', 'xml_path'):
            if isinstance(item.get(key), str):
                item[key] = relative_path(item[key], root)
        lines.append(json.dumps(item, sort_keys=True, default=str))
    return dict(
        label=osp.basename(osp.normpath(root)) if root else type(dataset).__name__,
        type=type(dataset).__name__,
        generated=is_generated(root),
        classes=list(dataset.metainfo['classes']),
        palette=[list(map(int, c)) for c in dataset.metainfo.get('palette', [])],
        num_items=len(lines),
        num_dataset_items=len(dataset),
        frames_per_item=frames_per_item,
        items_sha1=hashlib.sha1('\n'.join(sorted(lines)).encode()).hexdigest())
