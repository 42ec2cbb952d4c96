"""Data checks of a whole grid, before its first run starts.

A run builds its test (and validation) dataset only after training, so an empty or
broken test split used to be found after every model of the grid had trained.
:func:`check_grid_data` builds the datasets of every split the pending runs read (each
distinct dataset config once, items only: no pipeline, no decoding beyond the
datasets' own item checks) and refuses the grid in one line naming the config, the
split and what is wrong; then it checks, once per distinct set of splits, that
training, validation and test share no item
(:func:`~rleseg.datasets.check_split_overlap` on the datasets already built, after the
run's fold is applied).
A config that cannot be read is left to its runs (their workers record why), as the
grid's planning does.
"""
from __future__ import annotations

import json
from typing import Any, Dict, Mapping, Sequence

from mmseg.registry import DATASETS

from rleseg.datasets.errors import DataError
from rleseg.datasets.split_overlap import (ALLOW_KEY, check_split_overlap,
                                          loader_dataset_cfg)
from rleseg.engine.tool_errors import USER_ERRORS, one_line_message

from .run_config import apply_fold, read_run_config
from .settings import RunSpec

#: The dataloaders whose datasets a run reads, in the order they are checked.
SPLIT_LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def run_data_config(run: RunSpec):
    """The config of ``run`` as far as its data goes: the config file with the run's
    overrides and, with a fold, its training and validation datasets replaced by the
    fold's (:func:`~rleseg.benchmark.run_config.apply_fold`)."""
    cfg = read_run_config(run)
    if run.fold is not None:
        apply_fold(cfg, run.num_folds, run.fold)
    return cfg


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _where(dataset: Mapping[str, Any]) -> str:
    """Where a dataset config reads its items: data_root and split file / folders."""
    parts = [f"data_root {dataset.get('data_root')!r}"]
    if dataset.get('ann_file'):
        parts.append(f"split file {dataset['ann_file']!r}")
    elif dataset.get('data_prefix'):
        parts.append(f"data_prefix {dict(dataset['data_prefix'])}")
    return ', '.join(parts)


def check_grid_data(runs: Sequence[RunSpec]) -> None:
    """Build every split of ``runs`` once and refuse the grid when one is unusable.

    Args:
        runs: the runs still to run (finished ones need no data).

    Raises:
        DataError: one line naming the config file, the dataloader (split) and the
            problem: a split with no item (its ``data_root`` and split file or
            folders), a split the dataset refuses (missing folder, unpaired or
            damaged file, ...), or splits that share items.
    """
    built: Dict[str, Any] = {}      # dataset config key -> built dataset
    checked = set()
    read = set()
    for run in runs:
        config_key = _key([run.config, run.cfg_options, run.fold, run.num_folds])
        if config_key in read:      # seeds of one model read the same data
            continue
        read.add(config_key)
        try:
            cfg = run_data_config(run)
        except Exception:  # an unreadable config fails its own runs, not the grid
            continue
        splits = {loader: loader_dataset_cfg(cfg, loader) for loader in SPLIT_LOADERS}
        for loader, dataset in splits.items():
            if dataset is None:
                continue
            key = _key(dataset)
            if key not in built:
                try:
                    built[key] = DATASETS.build(dataset)
                except USER_ERRORS as error:
                    raise DataError(f'{run.config}: {loader}: '
                                    f'{one_line_message(error)}') from None
            if not len(built[key]):
                raise DataError(f'{run.config}: {loader} has no item ({_where(dataset)}); '
                                'every model would train and have nothing to score')
        allow = cfg.get(ALLOW_KEY, False)
        if _key([splits, allow]) not in checked:
            checked.add(_key([splits, allow]))
            items = {loader: dict(dataset=built[_key(dataset)])
                     for loader, dataset in splits.items() if dataset is not None}
            items[ALLOW_KEY] = allow
            try:
                check_split_overlap(items)
            except DataError as error:
                raise DataError(f'{run.config}: {one_line_message(error)}') from None
