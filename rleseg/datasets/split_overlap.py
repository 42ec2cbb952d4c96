"""Refuse configs whose training, validation and test splits share items.

A benchmark that chooses on its validation split and reports its test split measures
nothing if the two share items; a model scored on images it trained on does not measure
generalisation. :func:`check_split_overlap` builds the datasets of a config's three
dataloaders and raises one line naming the first shared item. A config that overlaps on
purpose (the paper's IPSC protocol scored on its training frames, a smoke test) says so
with the top-level key ``allow_split_overlap = True``.
"""
from __future__ import annotations

import os.path as osp
from typing import Any, Iterable, Mapping, Optional

from mmengine.dataset import BaseDataset
from mmseg.registry import DATASETS

from .errors import DataError

#: ``(first, second)`` dataloader keys whose datasets must not share an item.
SPLIT_PAIRS = (('val_dataloader', 'test_dataloader'),
               ('train_dataloader', 'test_dataloader'),
               ('train_dataloader', 'val_dataloader'))
#: The config key that switches the check off.
ALLOW_KEY = 'allow_split_overlap'


def _frame_keys(info: Mapping[str, Any]) -> Iterable[str]:
    """The frames an item covers, as absolute paths (plus ``#box`` for a patch item)."""
    paths = info.get('img_paths') or [info.get('img_path')]
    box = info.get('patch_box')
    suffix = '' if box is None else '#' + ','.join(map(str, box))
    for path in paths:
        if path:
            yield osp.abspath(path) + suffix


def item_keys(dataset) -> set[str]:
    """Every frame (image, or patch of an image) a built dataset's items cover."""
    keys: set[str] = set()
    for index in range(len(dataset)):
        keys.update(_frame_keys(dataset.get_data_info(index)))
    return keys


def loader_dataset_cfg(cfg: Mapping[str, Any], key: str) -> Optional[dict]:
    """The dataset config of ``cfg[key]`` for listing its items: no pipeline, and no
    mmengine serialisation (its ``gc.collect()`` costs about 0.5 s a dataset); None
    when the config has no such dataloader."""
    loader = cfg.get(key)
    if not isinstance(loader, Mapping) or not isinstance(loader.get('dataset'), Mapping):
        return None
    dataset = dict(loader['dataset'], pipeline=[])
    kind = dataset.get('type')
    kind = DATASETS.get(kind) if isinstance(kind, str) else kind
    if isinstance(kind, type) and issubclass(kind, BaseDataset):
        dataset['serialize_data'] = False
    return dataset


def check_split_overlap(cfg: Mapping[str, Any], pairs=SPLIT_PAIRS) -> None:
    """Raise when two of a config's splits share an item, unless the config allows it.

    Args:
        cfg: an mmengine config (``train_dataloader`` / ``val_dataloader`` /
            ``test_dataloader``; a missing or ``None`` loader is not checked); a
            loader's ``dataset`` may be a config or an already built dataset.
        pairs: the dataloader pairs to compare.

    Raises:
        DataError: one line naming the two dataloaders, the first shared item (in
            natural order) and how many items they share.
    """
    if cfg.get(ALLOW_KEY, False):
        return
    built: dict[str, Optional[set[str]]] = {}

    def keys_of(key: str) -> Optional[set[str]]:
        if key not in built:
            loader = cfg.get(key)
            dataset = loader.get('dataset') if isinstance(loader, Mapping) else None
            if hasattr(dataset, 'get_data_info'):     # already built
                built[key] = item_keys(dataset)
            else:
                dataset_cfg = loader_dataset_cfg(cfg, key)
                built[key] = None if dataset_cfg is None else item_keys(
                    DATASETS.build(dataset_cfg))
        return built[key]

    for first, second in pairs:
        a, b = keys_of(first), keys_of(second)
        if a is None or b is None or first == second:
            continue
        shared = sorted(a & b)
        if shared:
            raise DataError(
                f'{first} and {second} share {len(shared)} of their items (first: '
                f'{shared[0]}): a model would be chosen or scored on data it has seen; '
                f'give them disjoint splits, or set {ALLOW_KEY} = True in the config if '
                'this is deliberate')
