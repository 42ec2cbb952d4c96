"""Your own dataset in one command: one dataset config, every paradigm's model.

``tools/benchmark.py --dataset my_dataset.py --suite paradigms`` composes ONE dataset
config (pipelines, dataloaders, ``num_classes``; e.g. on ``FolderSegDataset``, mmseg's
plain ``img_dir`` / ``ann_dir`` layout) with the tiny model config of each paradigm.
The dataset pipeline is the same for every paradigm: the token model tokenizes the
ground truth in its data preprocessor, with a tokenizer derived from the training
masks (:mod:`rleseg.benchmark.derive`) and printed.

Each composed config is written once to ``<work_dir>/configs/<paradigm>_<dataset>.py``
(a plain config file anyone can rerun with ``tools/train.py``) and reused as it is
when the benchmark resumes.
"""
from __future__ import annotations

import os
import os.path as osp
import random
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, TextIO

import numpy as np

from rleseg.engine.tool_errors import ConfigError

from .suites import CONFIG_ROOT, ModelSpec

#: Training masks sampled (evenly over the split) to derive the token model's tokenizer.
DERIVE_SAMPLES = 256


@dataclass(frozen=True)
class Paradigm:
    """A model family of the benchmark: its tiny model base and how it takes the
    dataset's number of classes."""
    name: str
    model_base: str
    adapt: Callable[..., None]


def _heads(cfg, num_classes: int) -> None:
    cfg.model.decode_head.num_classes = num_classes
    if cfg.model.get('auxiliary_head'):
        cfg.model.auxiliary_head.num_classes = num_classes


def _mask2former(cfg, num_classes: int) -> None:
    cfg.model.decode_head.num_classes = num_classes
    cfg.model.decode_head.loss_cls.class_weight = [1.0] * num_classes + [0.1]


def _p2s(cfg, num_classes: int) -> None:
    """The token model: the dataset's classes, and the resampling that raised the token
    ceiling and the score on both data sets of the p2s-ablation suite (block majority,
    bilinear upsampling; README); the subsample factor is derived later."""
    cfg.model.tokenizer.num_classes = num_classes
    cfg.model.tokenizer.subsample = dict(mode='majority')
    cfg.model.tokenizer.upsample = 'bilinear'


PARADIGMS: Dict[str, Paradigm] = {
    p.name: p for p in (
        Paradigm('p2s_rle', '_base_/models/p2s_rle_tiny.py', _p2s),
        Paradigm('unet', '_base_/models/unet_tiny.py', _heads),
        Paradigm('deeplabv3plus', '_base_/models/deeplabv3plus_tiny.py', _heads),
        Paradigm('mask2former', '_base_/models/mask2former_tiny.py', _mask2former),
    )
}
SHARED_BASES = ('_base_/default_runtime.py', '_base_/schedules/schedule_tiny.py')


class DatasetConfigError(ConfigError):
    """The dataset config lacks what composing the paradigms needs."""


def dataset_name(dataset_config: str) -> str:
    """``my_dataset`` for ``path/to/my_dataset.py``."""
    return osp.splitext(osp.basename(dataset_config))[0]


def _check_dataset_config(path: str):
    from mmengine.config import Config
    if not osp.isfile(path):
        raise DatasetConfigError(f'--dataset {path}: no such config file')
    cfg = Config.fromfile(path)
    missing = [key for key in ('num_classes', 'train_dataloader', 'test_dataloader')
               if cfg.get(key) is None]
    if missing:
        raise DatasetConfigError(
            f"--dataset {path}: the dataset config defines no {', '.join(missing)} "
            '(needed to build every paradigm on it; see configs/_base_/datasets/'
            'folder.py for a template)')
    return cfg


def _base_config(paradigm: Paradigm, dataset_config: str):
    """The paradigm's model base + the dataset config + runtime and schedule, loaded
    through mmengine's inheritance (a temporary file listing the four bases)."""
    import tempfile

    from mmengine.config import Config
    bases = [str(CONFIG_ROOT / paradigm.model_base), osp.abspath(dataset_config)] + [
        str(CONFIG_ROOT / base) for base in SHARED_BASES]
    with tempfile.NamedTemporaryFile('w', suffix='.py', delete=False) as file:
        file.write(f'_base_ = {bases!r}\n')
    try:
        return Config.fromfile(file.name)
    finally:
        os.remove(file.name)


def training_masks(cfg, limit: int = DERIVE_SAMPLES) -> List[np.ndarray]:
    """Ground-truth class maps of up to ``limit`` training items, as the training
    pipeline delivers them to the model (random augmentation seeded, so the sample is
    reproducible)."""
    from mmseg.registry import DATASETS
    from mmseg.utils import register_all_modules

    import rleseg  # noqa: F401  (registers rleseg's datasets and transforms)
    register_all_modules(init_default_scope=True)
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    if len(dataset) == 0:
        raise DatasetConfigError('the training split of the dataset config is empty')
    random.seed(0)
    np.random.seed(0)
    indices = np.unique(np.linspace(0, len(dataset) - 1, min(limit, len(dataset)))
                        .round().astype(int))
    masks = []
    for index in indices:
        sample = dataset[int(index)]['data_samples']
        masks.append(sample.gt_sem_seg.data[0].cpu().numpy().astype(np.int64))
    return masks


def compose_paradigms(dataset_config: str, out_dir: str,
                      paradigms: Sequence[str] = tuple(PARADIGMS),
                      min_ceiling_dice: float = 90.0,
                      stream: Optional[TextIO] = None) -> List[ModelSpec]:
    """Write (or reuse) one composed config per paradigm and return their specs.

    Args:
        dataset_config: the user's dataset config file.
        out_dir: folder of the composed configs (``<work_dir>/configs``).
        paradigms: names of :data:`PARADIGMS`, in table order.
        min_ceiling_dice: the token ceiling (mDice, %) the derived tokenizer keeps.
        stream: where the derived tokenizer is printed.

    Raises:
        DatasetConfigError: a missing file, a dataset config without ``num_classes``
            or dataloaders, an empty training split, masks the derivation cannot use.
    """
    from .derive import derive_tokenizer
    unknown = [name for name in paradigms if name not in PARADIGMS]
    if unknown:
        raise DatasetConfigError(f'unknown paradigm(s) {unknown}; choose from '
                                 f'{sorted(PARADIGMS)}')
    dataset = _check_dataset_config(dataset_config)
    num_classes = int(dataset.num_classes)
    name = dataset_name(dataset_config)
    os.makedirs(out_dir, exist_ok=True)
    specs = []
    for paradigm in (PARADIGMS[p] for p in paradigms):
        path = osp.join(out_dir, f'{paradigm.name}_{name}.py')
        if not osp.isfile(path):
            cfg = _base_config(paradigm, dataset_config)
            paradigm.adapt(cfg, num_classes)
            if paradigm.name == 'p2s_rle':
                try:
                    derived = derive_tokenizer(training_masks(cfg), num_classes,
                                               base=_scheme_fields(cfg.model.tokenizer),
                                               min_ceiling_dice=min_ceiling_dice)
                except ValueError as error:
                    raise DatasetConfigError(f'--dataset {dataset_config}: {error}') \
                        from None
                _use_tokenizer(cfg, derived.tokenizer)
                if stream is not None:
                    stream.write(derived.describe() + '\n')
            cfg.dump(path)
        specs.append(ModelSpec(f'{paradigm.name}_{name}', path))
    return specs


def _scheme_fields(tokenizer) -> dict:
    """The tokenizer fields the derivation keeps (scheme, starts, order, weights,
    resampling rules: the subsample mode without its factor)."""
    from .derive import DERIVED_FIELDS
    fields = {k: v for k, v in dict(tokenizer).items()
              if k not in DERIVED_FIELDS and k != 'num_classes'}
    mode = dict(tokenizer.get('subsample') or {}).get('mode')
    if mode is not None:
        fields['subsample'] = dict(mode=mode)
    return fields


def _use_tokenizer(cfg, tokenizer: dict) -> None:
    """Put the derived tokenizer into the token model (and its input size P)."""
    patch = tokenizer['mask_size'] * tokenizer['subsample']['factor']
    cfg.model.tokenizer = tokenizer
    cfg.model.data_preprocessor.size = (patch, patch)
    cfg.model.test_cfg.crop_size = cfg.model.test_cfg.stride = (patch, patch)
