"""K-fold cross-validation over the training items of any dataset config.

Small data sets (a few dozen crops) give noisy validation scores; the honest way to
choose settings on them is to train K models, each validated on the fold its training
set left out, while the test split stays untouched. :class:`FoldDataset` selects the
items of one fold (``role='val'``) or of the other K - 1 folds (``role='train'``) of the
dataset it wraps; :func:`fold_dataset_cfgs` turns a config's training and validation
dataset configs into the pair for fold ``i``.

Items are partitioned by **group**, so that items which share a source never land in
different folds: the frames of one sequence (an item's ``sequence``), or the patches of
one image (an item's ``img_path``); a ``group_by`` regular expression over the item's
file stem may name the group instead (its first group is the key, e.g.
``r'(.*)_patch\\d+'``). Groups are sorted in natural order and cut into K contiguous
blocks of (nearly) equal size, so neighbouring crops of a tiled image (named in raster
order) stay together and the partition is the same on every machine.
"""
from __future__ import annotations

import copy
import os.path as osp
import re
from typing import Callable, Optional, Sequence, Union

from mmengine.dataset import BaseDataset
from mmseg.registry import DATASETS

from .errors import DataError
from .splits import natural_key
from .wrappers import DatasetLike, build_inner

#: Wrappers whose ``dataset`` key holds the item source the folds partition.
WRAPPER_TYPES = ('VideoWindowDataset', 'PatchDataset', 'FoldDataset')
ROLES = ('train', 'val')


def item_group(info: dict, group_by: Optional[str] = None) -> str:
    """The group of one data info: the ``group_by`` regex's first group over the file
    stem, else the item's sequence, else its image path."""
    path = info.get('img_path') or ''
    if group_by is not None:
        stem = osp.splitext(osp.basename(path))[0]
        match = re.match(group_by, stem)
        if match is None or not match.groups():
            raise DataError(f'FoldDataset: group_by {group_by!r} does not match the item '
                            f'{path} (it needs one group, e.g. r"(.*)_\\d+")')
        return match.group(1)
    if info.get('sequence') is not None:
        return str(info['sequence'])
    return path


def fold_of_groups(groups: Sequence[str], num_folds: int) -> dict[str, int]:
    """``{group: fold}``: the distinct groups in natural order, cut into ``num_folds``
    contiguous blocks whose sizes differ by at most one.

    Raises:
        DataError: fewer groups than folds (a fold would be empty).
    """
    ordered = sorted(set(groups), key=natural_key)
    if num_folds < 2:
        raise DataError(f'FoldDataset: num_folds must be at least 2, got {num_folds}')
    if len(ordered) < num_folds:
        raise DataError(f'FoldDataset: {len(ordered)} groups of items cannot fill '
                        f'{num_folds} folds; use fewer folds')
    return {group: index * num_folds // len(ordered) for index, group in enumerate(ordered)}


@DATASETS.register_module()
class FoldDataset(BaseDataset):
    """The items of one cross-validation fold of a dataset, or of the other folds.

    Args:
        dataset: the dataset whose items are partitioned (config or instance; built
            without a pipeline), e.g. a config's training ``FolderSegDataset``.
        num_folds: K >= 2.
        fold: the held-out fold, ``0 <= fold < K``.
        role: ``'val'`` keeps the items of ``fold``; ``'train'`` the items of the other
            folds. The two roles of one fold are disjoint and together are the dataset.
        group_by: optional regex over an item's file stem naming its group (see the
            module doc); default: the item's sequence, else its image.
        pipeline: this dataset's pipeline (the wrapped one's is not run).

    Data infos are the wrapped dataset's, unchanged, so sequence wrappers
    (:class:`~rleseg.datasets.VideoWindowDataset`) can wrap a fold in turn.
    """

    def __init__(self, dataset: DatasetLike, num_folds: int, fold: int, role: str,
                 group_by: Optional[str] = None,
                 pipeline: Sequence[Union[dict, Callable]] = (), test_mode: bool = False,
                 lazy_init: bool = False, serialize_data: bool = True,
                 max_refetch: int = 1000) -> None:
        if role not in ROLES:
            raise DataError(f'FoldDataset: role must be one of {ROLES}, got {role!r}')
        if not 0 <= int(fold) < int(num_folds):
            raise DataError(f'FoldDataset: fold {fold} is outside 0..{int(num_folds) - 1}')
        self.dataset = build_inner(dataset)
        self.num_folds, self.fold, self.role = int(num_folds), int(fold), role
        self.group_by = group_by
        super().__init__(ann_file='', metainfo=self.dataset.metainfo,
                         data_root=getattr(self.dataset, 'data_root', None) or '',
                         pipeline=list(pipeline), test_mode=test_mode, lazy_init=lazy_init,
                         serialize_data=serialize_data, max_refetch=max_refetch)

    def load_data_list(self) -> list[dict]:
        infos = [self.dataset.get_data_info(i) for i in range(len(self.dataset))]
        groups = [item_group(info, self.group_by) for info in infos]
        folds = fold_of_groups(groups, self.num_folds)
        keep = (lambda f: f == self.fold) if self.role == 'val' else (lambda f: f != self.fold)
        return [info for info, group in zip(infos, groups) if keep(folds[group])]


def _source(cfg: dict) -> dict:
    """The innermost dataset config of a (possibly wrapped) dataset config."""
    while cfg.get('type') in WRAPPER_TYPES:
        cfg = cfg['dataset']
    return cfg


def _with_source(cfg: dict, source: dict) -> dict:
    """A copy of ``cfg`` whose innermost dataset is ``source``; a plain dataset config's
    pipeline moves onto ``source`` (the fold wrapper runs it)."""
    if cfg.get('type') not in WRAPPER_TYPES:
        return dict(source, pipeline=copy.deepcopy(cfg.get('pipeline', [])))
    out = copy.deepcopy(dict(cfg))
    node = out
    while node['dataset'].get('type') in WRAPPER_TYPES:
        node['dataset'] = dict(node['dataset'])
        node = node['dataset']
    node['dataset'] = source
    return out


def fold_dataset_cfgs(train_dataset: dict, val_dataset: dict, num_folds: int, fold: int,
                      group_by: Optional[str] = None) -> tuple[dict, dict]:
    """The training and validation dataset configs of fold ``fold``.

    Both partition the items of ``train_dataset``'s source (its innermost dataset, below
    any window / patch wrapper): the training config keeps ``train_dataset``'s wrappers
    and pipeline, the validation config ``val_dataset``'s (the test-time pipeline, window
    stride, ...). The test split is not touched.

    Args:
        train_dataset: a config's ``train_dataloader.dataset``.
        val_dataset: the same config's ``val_dataloader.dataset`` (for its pipeline and
            wrappers; its items are not used).
        num_folds: K.
        fold: the held-out fold.
        group_by: see :class:`FoldDataset`.

    Returns:
        ``(train_cfg, val_cfg)``, plain dicts for ``DATASETS.build``.
    """
    source = copy.deepcopy(dict(_source(dict(train_dataset))))
    source.pop('pipeline', None)

    def fold_cfg(role: str) -> dict:
        return dict(type='FoldDataset', dataset=copy.deepcopy(source), num_folds=num_folds, fold=fold,
                    role=role, group_by=group_by)
    return (_with_source(dict(train_dataset), fold_cfg('train')),
            _with_source(dict(val_dataset), fold_cfg('val')))
