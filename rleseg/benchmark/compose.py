"""Your own dataset in one command: one dataset config, every paradigm's model.

``tools/benchmark.py --dataset my_dataset.py --suite paradigms`` composes ONE dataset
config (pipelines, dataloaders, ``num_classes``; e.g. on ``FolderSegDataset``, mmseg's
plain ``img_dir`` / ``ann_dir`` layout) with the tiny model config of each paradigm.
The dataset pipeline is the same for every paradigm: the token model (every setting
of ``configs/_base_/models/p2s_rle_tiny.py``, the shipped tiny token models' base)
tokenizes the ground truth in its data preprocessor, with a tokenizer derived from the
training masks (:mod:`rleseg.benchmark.derive`) and printed. Its training step is kept
within ``max_step_ratio`` times the slowest dense baseline's, both timed on this
machine (:mod:`rleseg.benchmark.step_cost`) on a batch of the training split.

``--dataset my_dataset.py --suite panoptic-paradigms`` does the same for instances: a
dataset config whose splits have instance maps (``inst_map_path`` in every dataloader's
``data_prefix``; see ``configs/_base_/datasets/folder.py``) is made panoptic as
``configs/_base_/datasets/nuclei_panoptic.py`` makes the nuclei crops
(``LoadSegAnnotations(with_instances=True)``, ``PackRLESegInputs``, PQ next to the
per-class metric), then composed with the instance-token model (the model of the
shipped ``p2s_rle_nuclei_panoptic_tiny.py``; its tokenizer derived from the training
class and instance maps: subsample factor and L by the panoptic token ceiling PQ, and
the instance cap), mmdet's Mask R-CNN and Mask2Former instance models, and UNet and
Mask2Former scored through their connected components (:data:`PANOPTIC_PARADIGMS`).

``--dataset my_video.py`` on a video dataset config (its training dataset is
``VideoWindowDataset``: windows of N frames, e.g. a copy of
``configs/_base_/datasets/video_folder.py``) composes ``--suite video-paradigms``
(:data:`VIDEO_PARADIGMS`): the video token model (the model of the shipped
``p2s_rle_hela_video_tiny.py``, its window tokenizer's S and L derived from the training
windows and N from the config's ``window``) reads the windows as they are; the image
token model and the dense baselines read the same frames one by one, the frame dataset
inside the window wrapper with the window pipeline made a frame pipeline
(:func:`make_per_frame`), and are scored by the per-frame metric inside
``VideoFrameMetric``, which scores every frame of the video model once.

Each composed config is written to ``<work_dir>/configs/<paradigm>_<dataset>.py`` (a
plain config file anyone can rerun with ``tools/train.py``) with a top-level
``composed_from`` key: the dataset config, the options and ``inputs_sha1``, a hash of
what it was composed from (the resolved dataset config with the paradigm's model base,
runtime and schedule, and for the token model the options). A resumed
benchmark reuses a composed config whose inputs are unchanged and composes it again
otherwise, so its settings (and the record made with it) differ from the old run's.
"""
from __future__ import annotations

import copy
import hashlib
import inspect
import json
import os
import os.path as osp
import random
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence, TextIO, Tuple

import numpy as np

from rleseg.engine.tool_errors import ConfigError

from .suites import CONFIG_ROOT, ModelSpec

#: Training masks sampled (evenly over the split) to derive the token model's tokenizer.
DERIVE_SAMPLES = 256
#: Default step budget of the composed token model: at most this many times the
#: training step of the slowest dense baseline on the same data.
MAX_STEP_RATIO = 5.0
#: Timed training steps per model when the costs are measured (after one warm-up).
COST_STEPS = 3


@dataclass(frozen=True)
class Paradigm:
    """A model family of the benchmark: its tiny model base and how it takes the
    dataset's number of classes.

    Attributes:
        token: a token model (its tokenizer is derived from the training masks).
        model_of_config: ``model_base`` is a whole shipped config whose ``model`` is
            taken (not a ``_base_/models`` file).
        windows: reads the windows of a video dataset config as they are (the video
            token model); the other paradigms of a video suite read its frames.
    """
    name: str
    model_base: str
    adapt: Callable[..., None]
    token: bool = False
    model_of_config: bool = False
    windows: bool = False


def _heads(cfg, num_classes: int) -> None:
    cfg.model.decode_head.num_classes = num_classes
    if cfg.model.get('auxiliary_head'):
        cfg.model.auxiliary_head.num_classes = num_classes


def _mask2former(cfg, num_classes: int) -> None:
    cfg.model.decode_head.num_classes = num_classes
    cfg.model.decode_head.loss_cls.class_weight = [1.0] * num_classes + [0.1]


def _p2s(cfg, num_classes: int) -> None:
    """The token model: the dataset's classes (its base keeps every other setting; the
    mask size, subsample factor and lengths are derived later)."""
    cfg.model.tokenizer.num_classes = num_classes


def _p2s_video(cfg, num_classes: int) -> None:
    """The video token model: the dataset's classes and its window N (S and L are
    derived later from the training windows)."""
    cfg.model.tokenizer.num_classes = num_classes
    cfg.model.tokenizer.window = window_length(cfg.train_dataloader.dataset)


def _maskrcnn(cfg, num_classes: int) -> None:
    """mmdet's Mask R-CNN: the foreground classes (mmdet leaves out the background)."""
    roi_head = cfg.model.detector.roi_head
    roi_head.bbox_head.num_classes = roi_head.mask_head.num_classes = num_classes - 1


def _mask2former_instance(cfg, num_classes: int) -> None:
    """mmdet's Mask2Former for instances: the foreground classes in both heads."""
    things = num_classes - 1
    detector = cfg.model.detector
    detector.panoptic_head.num_things_classes = things
    detector.panoptic_head.loss_cls.class_weight = [1.0] * things + [0.1]
    detector.panoptic_fusion_head.num_things_classes = things


PARADIGMS: Dict[str, Paradigm] = {
    p.name: p for p in (
        Paradigm('p2s_rle', '_base_/models/p2s_rle_tiny.py', _p2s, token=True),
        Paradigm('unet', '_base_/models/unet_tiny.py', _heads),
        Paradigm('deeplabv3plus', '_base_/models/deeplabv3plus_tiny.py', _heads),
        Paradigm('mask2former', '_base_/models/mask2former_tiny.py', _mask2former),
    )
}
#: ``--suite panoptic-paradigms``: the instance-token model (the model of the shipped
#: nuclei panoptic config), mmdet's instance models, and the semantic models of
#: :data:`PARADIGMS` whose connected components are their instances; in table order.
PANOPTIC_PARADIGMS: Dict[str, Paradigm] = {
    p.name: p for p in (
        Paradigm('p2s_rle_panoptic', 'p2s_rle_nuclei_panoptic_tiny.py', _p2s, token=True,
                 model_of_config=True),
        Paradigm('maskrcnn', '_base_/models/maskrcnn_tiny.py', _maskrcnn),
        Paradigm('mask2former_instance', '_base_/models/mask2former_instance_tiny.py',
                 _mask2former_instance),
        PARADIGMS['unet'], PARADIGMS['mask2former'],
    )
}
#: ``--suite video-paradigms``: the video token model (the model of the shipped HeLa
#: video config: ltac tokens, cell fusion) on the windows, and the paradigms of
#: :data:`PARADIGMS` on their frames one by one; in table order.
VIDEO_PARADIGMS: Dict[str, Paradigm] = {
    p.name: p for p in (
        Paradigm('p2s_rle_video', 'p2s_rle_hela_video_tiny.py', _p2s_video, token=True,
                 model_of_config=True, windows=True),
        *PARADIGMS.values(),
    )
}
#: The suites ``--dataset`` composes: name -> (paradigms in table order, kind: 'semantic',
#: 'panoptic' or 'video').
COMPOSED_SUITES: Dict[str, Tuple[Tuple[str, ...], str]] = {
    'paradigms': (tuple(PARADIGMS), 'semantic'),
    'panoptic-paradigms': (tuple(PANOPTIC_PARADIGMS), 'panoptic'),
    'video-paradigms': (tuple(VIDEO_PARADIGMS), 'video'),
}
#: Per kind of composed suite: its paradigms and what its baselines are (printed with
#: their timed steps).
FAMILIES: Dict[str, Tuple[Dict[str, Paradigm], str]] = {
    'semantic': (PARADIGMS, 'dense'),
    'panoptic': (PANOPTIC_PARADIGMS, 'instance and dense'),
    'video': (VIDEO_PARADIGMS, 'per-frame dense'),
}
#: The dataloaders and evaluators a composed config adapts.
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
EVALUATORS = ('val_evaluator', 'test_evaluator')
#: The dataset type that makes a dataset config a video one (windows of frames).
WINDOW_DATASET = 'VideoWindowDataset'
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
    through mmengine's inheritance (a temporary file listing the four bases); the model
    of a whole shipped config is set after loading the other three."""
    import tempfile

    from mmengine.config import Config
    model_base = str(CONFIG_ROOT / paradigm.model_base)
    bases = ([] if paradigm.model_of_config else [model_base]) + [
        osp.abspath(dataset_config)] + [str(CONFIG_ROOT / base) for base in SHARED_BASES]
    with tempfile.NamedTemporaryFile('w', suffix='.py', delete=False) as file:
        file.write(f'_base_ = {bases!r}\n')
    try:
        cfg = Config.fromfile(file.name)
    finally:
        os.remove(file.name)
    if paradigm.model_of_config:
        cfg.model = Config.fromfile(model_base).model
    return cfg


def _inner_dataset(dataset):
    """The dataset config that reads the files (``data_prefix``) inside wrappers."""
    while 'data_prefix' not in dataset and dataset.get('dataset') is not None:
        dataset = dataset.dataset
    return dataset


def _panoptic_step(step: dict) -> dict:
    """A pipeline step of the panoptic dataset: labels loaded with instances, packed
    with them."""
    if step.get('type') == 'LoadSegAnnotations':
        return dict(step, with_instances=True)
    if step.get('type') == 'PackSegInputs':
        return dict(step, type='PackRLESegInputs')
    return step


def make_panoptic(cfg, dataset_config: str) -> None:
    """Make a dataset config panoptic in place, as nuclei_panoptic.py does: every
    dataloader loads the instance maps of ``data_prefix['inst_map_path']`` with
    ``LoadSegAnnotations(with_instances=True)`` and packs them with ``PackRLESegInputs``,
    and PanopticQualityMetric scores next to the config's own metrics.

    Raises:
        DatasetConfigError: a dataloader without ``inst_map_path`` or a pipeline that
            does not load labels with ``LoadSegAnnotations``.
    """
    for key in LOADERS:
        if cfg.get(key) is None:
            continue
        if 'inst_map_path' not in (_inner_dataset(cfg[key].dataset).get('data_prefix')
                                   or {}):
            raise DatasetConfigError(
                f'--dataset {dataset_config}: {key}.dataset.data_prefix has no '
                "inst_map_path; panoptic suites need instance maps (add inst_map_path="
                "'inst_dir/<split>' to its data_prefix; see configs/_base_/datasets/"
                'folder.py)')
        dataset = cfg[key].dataset
        while dataset is not None:
            if dataset.get('pipeline'):
                steps = [step.get('type') for step in dataset.pipeline]
                if 'LoadSegAnnotations' not in steps:
                    raise DatasetConfigError(
                        f'--dataset {dataset_config}: the pipeline of {key} loads no '
                        'labels with LoadSegAnnotations, so it cannot load the instance '
                        f'maps (its steps: {steps})')
                dataset.pipeline = [_panoptic_step(step) for step in dataset.pipeline]
            dataset = dataset.get('dataset')
    for key in EVALUATORS:
        metrics = cfg.get(key) or []
        metrics = list(metrics) if isinstance(metrics, (list, tuple)) else [metrics]
        if not any(m.get('type') == 'PanopticQualityMetric' for m in metrics):
            metrics.append(dict(type='PanopticQualityMetric'))
        cfg[key] = metrics


def _type_name(dataset) -> str:
    """The ``type`` of a dataset config as a name (a registry string or a class)."""
    kind = (dataset or {}).get('type')
    return getattr(kind, '__name__', str(kind))


def is_video_config(cfg) -> bool:
    """True when the training dataset of ``cfg`` is windows of frames
    (:data:`WINDOW_DATASET`)."""
    return _type_name((cfg.get('train_dataloader') or {}).get('dataset')) == WINDOW_DATASET


def composed_suite(dataset_config: str, suite: Optional[str] = None) -> str:
    """The suite ``--dataset`` composes: ``suite`` when it is one of
    :data:`COMPOSED_SUITES`, else 'video-paradigms' for a video dataset config and
    'paradigms' for any other."""
    if suite in COMPOSED_SUITES:
        return suite
    return ('video-paradigms' if is_video_config(_check_dataset_config(dataset_config))
            else 'paradigms')


def window_length(dataset) -> int:
    """N of a ``VideoWindowDataset`` config (the class default when it sets none)."""
    from rleseg.datasets import VideoWindowDataset
    default = inspect.signature(VideoWindowDataset).parameters['window'].default
    return int(dataset.get('window', default))


def check_video_config(cfg, dataset_config: str) -> int:
    """N of a video dataset config whose windows and frames hold the same frames: every
    split is windows (:data:`WINDOW_DATASET`) of one N around a frame dataset, and
    every sequence of every split has at least N frames (a shorter one would be scored
    by the per-frame models only).

    Returns:
        The window N.

    Raises:
        DatasetConfigError: one line naming the config, the split and what is wrong.
    """
    where = f'--dataset {dataset_config}'
    windows: Dict[str, int] = {}
    for key in LOADERS:
        if cfg.get(key) is None:
            continue
        dataset = cfg[key].dataset
        if _type_name(dataset) != WINDOW_DATASET:
            raise DatasetConfigError(
                f'{where}: {key}.dataset is {_type_name(dataset)} but train_dataloader.'
                f'dataset is {WINDOW_DATASET}; every split of a video dataset config '
                'reads windows (see configs/_base_/datasets/video_folder.py)')
        if not isinstance(dataset.get('dataset'), dict):
            raise DatasetConfigError(
                f'{where}: {key}.dataset ({WINDOW_DATASET}) has no inner frame dataset '
                "(dataset=dict(type='VideoFolderDataset', ...)), which the per-frame "
                'models read')
        windows[key] = window_length(dataset)
    if len(set(windows.values())) > 1:
        raise DatasetConfigError(
            f'{where}: the splits have windows of different lengths ('
            + ', '.join(f'{key}.dataset.window {n}' for key, n in windows.items())
            + '); the video token model reads windows of one N: set one window')
    window = windows['train_dataloader']
    for key in windows:
        try:
            frames = _build_dataset(cfg[key].dataset.dataset)
        except ValueError as error:  # DataError: a missing folder, a bad frame, ...
            raise DatasetConfigError(f'{where}: {key}: {error}') from None
        lengths = Counter(frames.get_data_info(index).get('sequence')
                          for index in range(len(frames)))
        if lengths and min(lengths.values()) < window:
            sequence, count = min(lengths.items(), key=lambda item: item[1])
            raise DatasetConfigError(
                f'{where}: {key}: sequence {sequence} has {count} frames, fewer than the '
                f'window N = {window} ({key}.dataset.window): the video token model would '
                f'score none of them and the per-frame models all; set window <= {count} '
                'or leave that sequence out')
    return window


def _frame_steps(step: dict) -> List[dict]:
    """A window pipeline step as frame pipeline steps: ``LoadWindowFrames`` ->
    ``LoadImageFromFile`` and / or ``LoadSegAnnotations`` (as it loads frames and / or
    labels), ``WindowBroadcast`` -> the transforms it applies to every frame,
    ``FormatWindow`` -> none (a frame is not stacked); any other step as it is."""
    kind = step.get('type')
    if kind == 'LoadWindowFrames':
        labels = dict(type='LoadSegAnnotations', **{
            key: step[key] for key in ('with_instances', 'ignore_index') if key in step})
        return ([dict(type='LoadImageFromFile')] if step.get('with_img', True) else []) + (
            [labels] if step.get('with_seg', True) else [])
    if kind == 'WindowBroadcast':
        return list(step['transforms'])
    return [] if kind == 'FormatWindow' else [step]


def _frame_metrics(evaluator):
    """An evaluator (a metric config or a list) with each ``VideoFrameMetric`` replaced
    by the per-frame metric it wraps (``PerClassSegMetric``, its default, if none)."""
    many = isinstance(evaluator, (list, tuple))
    metrics = [(metric.get('metric') or dict(type='PerClassSegMetric'))
               if metric.get('type') == 'VideoFrameMetric' else metric
               for metric in (evaluator if many else [evaluator])]
    return metrics if many else metrics[0]


def make_per_frame(cfg) -> None:
    """Read a video dataset config frame by frame, in place (the per-frame models of a
    video suite; after :func:`check_video_config`): every dataloader reads the frame
    dataset inside its window wrapper with the window pipeline made a frame pipeline
    (:func:`_frame_steps`: the same loading and the same augmentation, drawn per frame),
    and each ``VideoFrameMetric`` gives way to the per-frame metric it wraps, so every
    frame is scored once by the same metric code as the video model's."""
    for key in LOADERS:
        if cfg.get(key) is None:
            continue
        windows = cfg[key].dataset
        cfg[key].dataset = dict(windows.dataset, pipeline=[
            frame_step for step in windows.get('pipeline', [])
            for frame_step in _frame_steps(step)])
    for key in EVALUATORS:
        if cfg.get(key) is not None:
            cfg[key] = _frame_metrics(cfg[key])


def _build_dataset(dataset_cfg):
    """A dataset config built in mmseg's registry (rleseg's modules registered)."""
    from mmseg.registry import DATASETS
    from mmseg.utils import register_all_modules

    import rleseg  # noqa: F401  (registers rleseg's datasets and transforms)
    register_all_modules(init_default_scope=True)
    return DATASETS.build(dataset_cfg)


def training_dataset(cfg):
    """The training dataset of ``cfg`` (its pipeline included), built once.

    Raises:
        DatasetConfigError: the training split is empty.
    """
    dataset = _build_dataset(cfg.train_dataloader.dataset)
    if len(dataset) == 0:
        raise DatasetConfigError('the training split of the dataset config is empty')
    return dataset


def training_masks(dataset, limit: int = DERIVE_SAMPLES, instances: bool = False,
                   windows: bool = False):
    """Ground-truth class maps of up to ``limit`` items of ``dataset``, as the training
    pipeline delivers them to the model (random augmentation seeded, so the sample is
    reproducible): a list of (P, P) int64 maps (with ``windows``: (N, P, P) windows of
    N frames), or with ``instances`` a pair of lists (class maps, instance-id maps)."""
    random.seed(0)
    np.random.seed(0)
    indices = np.unique(np.linspace(0, len(dataset) - 1, min(limit, len(dataset)))
                        .round().astype(int))
    masks, instance_maps = [], []
    for index in indices:
        sample = dataset[int(index)]['data_samples']
        labels = sample.gt_sem_seg.data
        masks.append((labels if windows else labels[0]).cpu().numpy().astype(np.int64))
        if instances:
            instance_maps.append(sample.gt_instance_map.data[0].cpu().numpy()
                                 .astype(np.int64))
    return (masks, instance_maps) if instances else masks


def most_instances(dataset) -> int:
    """The most instances (distinct ids > 0) in one instance map of ``dataset``'s items
    as stored, before any augmentation (``inst_map_path`` of every item)."""
    from rleseg.datasets.folder import read_instance_map
    return max(int(np.count_nonzero(np.unique(read_instance_map(
        dataset.get_data_info(index)['inst_map_path'])))) for index in range(len(dataset)))


@dataclass
class Budget:
    """How the token model's step is kept in check.

    Attributes:
        max_step_ratio: the token model's step may take at most this many times the
            slowest dense baseline's (0: no budget).
        steps: timed training steps per model (0: nothing is timed, no budget).
    """
    max_step_ratio: float = MAX_STEP_RATIO
    steps: int = COST_STEPS

    def __post_init__(self) -> None:
        if self.max_step_ratio < 0:
            raise DatasetConfigError(f'--max-step-ratio must be >= 0 (0: no budget), got '
                                     f'{self.max_step_ratio}')
        if self.steps < 0:
            raise DatasetConfigError(f'--cost-steps must be >= 0, got {self.steps}')

    @property
    def applies(self) -> bool:
        """True when steps are timed and the token model's is bounded."""
        return self.steps > 0 and self.max_step_ratio > 0


def _fingerprint(*parts: Any) -> str:
    """sha1 of JSON-able parts (configs as dicts), order and key order fixed."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha1(text.encode()).hexdigest()


def _stored_fingerprint(path: str) -> Optional[str]:
    """``composed_from.inputs_sha1`` of a composed config file (None: absent or not
    loadable)."""
    from mmengine.config import Config
    try:
        return (Config.fromfile(path).get('composed_from') or {}).get('inputs_sha1')
    except Exception:  # an unreadable file is composed again, never trusted
        return None


def _dense_budget(dense: Dict[str, Any], budget: Budget, stream: Optional[TextIO],
                  kind: str = 'dense') -> Tuple[Optional[float], str]:
    """(step budget in seconds, where it comes from) from the baselines' steps, each on
    a batch of its own training split (``kind``: what they are, printed: 'dense',
    'instance and dense' or 'per-frame dense')."""
    from .step_cost import measure_step
    if not budget.applies:
        return None, ''
    datasets: Dict[str, Any] = {}    # the baselines share their training split
    costs = {}
    for name, cfg in dense.items():
        key = _fingerprint(cfg.train_dataloader.dataset.to_dict())
        if key not in datasets:
            datasets[key] = training_dataset(cfg)
        costs[name] = measure_step(cfg, datasets[key], budget.steps)
    if stream is not None:
        stream.write(f'{kind} baselines, one training step on this machine: ' + ', '.join(
            f'{name} {cost.sec_per_iter:.3f} s ({cost.peak_mib:.0f} MiB)'
            for name, cost in costs.items()) + '\n')
    slowest = max(costs, key=lambda name: costs[name].sec_per_iter)
    seconds = costs[slowest].sec_per_iter
    return (budget.max_step_ratio * seconds,
            f'--max-step-ratio {budget.max_step_ratio:g} x the slowest {kind} baseline, '
            f'{slowest} {seconds:.3f} s')


def _derive(cfg, num_classes: int, min_ceiling: float, budget: Budget,
            limit: Tuple[Optional[float], str], panoptic: bool = False,
            windows: bool = False):
    """Derive the token model's tokenizer on the training masks of ``cfg`` (with their
    instance maps for ``panoptic``: ``min_ceiling`` is then a PQ; its training windows
    for ``windows``), its step kept within ``limit`` (seconds, where they come from;
    :func:`_dense_budget`)."""
    from .derive import derive_panoptic_tokenizer, derive_tokenizer
    from .step_cost import measure_step
    dataset = training_dataset(cfg)
    max_seconds, note = limit

    def step_cost(tokenizer: dict):
        probe = copy.deepcopy(cfg)
        _use_tokenizer(probe, tokenizer)
        return measure_step(probe, dataset, budget.steps,
                            give_up_s=None if max_seconds is None else 3 * max_seconds)

    common = dict(base=_scheme_fields(cfg.model.tokenizer),
                  step_cost=step_cost if budget.steps > 0 else None,
                  max_sec_per_iter=max_seconds, budget_note=note)
    if panoptic:
        masks, instances = training_masks(dataset, instances=True)
        return derive_panoptic_tokenizer(masks, instances, num_classes,
                                         min_ceiling_pq=min_ceiling,
                                         most_instances=most_instances(dataset), **common)
    return derive_tokenizer(training_masks(dataset, windows=windows), num_classes,
                            min_ceiling_dice=min_ceiling, **common)


def compose_paradigms(dataset_config: str, out_dir: str,
                      paradigms: Sequence[str] = tuple(PARADIGMS),
                      min_ceiling_dice: float = 90.0, budget: Optional[Budget] = None,
                      stream: Optional[TextIO] = None, kind: str = 'semantic',
                      min_ceiling_pq: float = 90.0) -> List[ModelSpec]:
    """Write (or reuse) one composed config per paradigm and return their specs.

    Args:
        dataset_config: the user's dataset config file.
        out_dir: folder of the composed configs (``<work_dir>/configs``).
        paradigms: names of the paradigms of ``kind`` (:data:`FAMILIES`: of
            :data:`PARADIGMS`, :data:`PANOPTIC_PARADIGMS` or :data:`VIDEO_PARADIGMS`),
            in table order.
        min_ceiling_dice: the token ceiling (mDice, %) the derived tokenizer keeps.
        budget: the token model's step budget (default :class:`Budget`).
        stream: where the derived tokenizer, the timed steps and recompositions are
            printed.
        kind: the kind of composed suite (:data:`COMPOSED_SUITES`): 'semantic';
            'panoptic': the dataset config is made panoptic (:func:`make_panoptic`) and
            the token model's tokenizer keeps ``min_ceiling_pq`` (PQ, %) instead;
            'video': the dataset config is a video one (:func:`is_video_config`), the
            video token model reads its windows, the other paradigms its frames
            (:func:`make_per_frame`). A video dataset config needs 'video', any other
            refuses it.

    Raises:
        DatasetConfigError: a missing file, a dataset config without ``num_classes``
            or dataloaders (or, panoptic, instance maps; video, windows of one N around
            a frame dataset, every sequence at least N frames long), a video dataset
            config composed as another kind or the reverse, an unknown ``kind``, an
            empty training split, masks the derivation cannot use.
    """
    budget = budget or Budget()
    if kind not in FAMILIES:
        raise DatasetConfigError(f'compose_paradigms: unknown kind {kind!r}; choose from '
                                 f'{sorted(FAMILIES)}')
    panoptic, video = kind == 'panoptic', kind == 'video'
    family, baselines = FAMILIES[kind]
    unknown = [name for name in paradigms if name not in family]
    if unknown:
        raise DatasetConfigError(f'unknown paradigm(s) {unknown}; choose from '
                                 f'{sorted(family)}')
    dataset = _check_dataset_config(dataset_config)
    suite = next(name for name, (_, of) in COMPOSED_SUITES.items() if of == kind)
    if video and not is_video_config(dataset):
        raise DatasetConfigError(
            f'--dataset {dataset_config}: --suite {suite} needs a video dataset config '
            f'(train_dataloader.dataset of type {WINDOW_DATASET}, as in configs/_base_/'
            'datasets/video_folder.py); this one trains on '
            f'{_type_name(dataset.train_dataloader.dataset)}')
    if not video and is_video_config(dataset):
        raise DatasetConfigError(
            f'--dataset {dataset_config}: a video dataset config (train_dataloader.dataset '
            f'is {WINDOW_DATASET}) composes --suite video-paradigms, not --suite {suite}')
    if video:
        check_video_config(dataset, dataset_config)
    num_classes = int(dataset.num_classes)
    name = dataset_name(dataset_config)
    os.makedirs(out_dir, exist_ok=True)
    bases: Dict[str, Any] = {}

    def base(key: str):
        """The paradigm's base config on the dataset, built on first use."""
        if key not in bases:
            bases[key] = _base_config(family[key], dataset_config)
            if panoptic:
                make_panoptic(bases[key], dataset_config)
            if video and not family[key].windows:
                make_per_frame(bases[key])
            family[key].adapt(bases[key], num_classes)
        return bases[key]

    options = dict(max_step_ratio=budget.max_step_ratio, cost_steps=budget.steps,
                   **(dict(min_ceiling_pq=min_ceiling_pq) if panoptic else
                      dict(min_ceiling_dice=min_ceiling_dice)))
    limit: Optional[Tuple[Optional[float], str]] = None   # the step budget, timed once
    specs = []
    for paradigm in (family[p] for p in paradigms):
        path = osp.join(out_dir, f'{paradigm.name}_{name}.py')
        cfg = base(paradigm.name)
        sha1 = _fingerprint(cfg.to_dict(), options if paradigm.token else {})
        stored = _stored_fingerprint(path) if osp.isfile(path) else None
        if stored != sha1:
            if osp.isfile(path) and stream is not None:
                stream.write(f'{path}: its inputs changed since it was composed '
                             '(dataset config, model base or options): composing it '
                             'again\n')
            if paradigm.token:
                try:
                    if limit is None:
                        limit = _dense_budget({key: base(key) for key, other in
                                               family.items() if not other.token}
                                              if budget.applies else {}, budget, stream,
                                              baselines)
                    derived = _derive(cfg, num_classes,
                                      min_ceiling_pq if panoptic else min_ceiling_dice,
                                      budget, limit, panoptic, paradigm.windows)
                except ValueError as error:
                    raise DatasetConfigError(f'--dataset {dataset_config}: {error}') \
                        from None
                _use_tokenizer(cfg, derived.tokenizer)
                if stream is not None:
                    stream.write(derived.describe() + '\n')
            cfg.composed_from = dict(dataset_config=osp.abspath(dataset_config),
                                     options=options if paradigm.token else {},
                                     inputs_sha1=sha1)
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
