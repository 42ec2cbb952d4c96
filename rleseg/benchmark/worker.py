"""Train (or load) and evaluate one model; the unit of work of a benchmark.

The benchmark runs each model in its own process
(``python -m rleseg.benchmark.worker ...``) so that peak memory, global mmengine
state and crashes stay per model. :func:`run_model` is the same work in-process.

Every model is scored with the same metric,
:class:`~rleseg.evaluation.PerClassSegMetric` (the config's own evaluators are
replaced), on two splits: its config's ``val_dataloader`` (validation: what learning
curves score and what settings, budgets and checkpoints are chosen on; see
:mod:`rleseg.benchmark.validation`) and its ``test_dataloader`` (test: scored once,
after training, and only reported). mmengine's validation loop stays off.
"""
from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os.path as osp
import statistics
import sys
import time
import traceback
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..models.tta import VIEWS
from .lock import EXIT_BUSY, ModelDirBusy, ModelDirLock, die_with_parent
from .records import (STATUS_DONE, STATUS_FAILED, STATUS_TRAINED, atomic_write_bytes,
                      atomic_write_json, is_finished, progress_path, read_json,
                      record_path)
from .validation import (SPLIT_VAL, VAL_SPLIT_KEY, ValidationSplit,
                         detach_validation)

QUALITATIVE_NAME = 'qualitative.npz'
#: Iterations of the timed warm-up that sizes a ``--budget-minutes`` run.
WARMUP_ITERS = 12


def _last_checkpoint(model_dir: str) -> Optional[str]:
    """The checkpoint mmengine recorded as latest in ``model_dir``, if it exists."""
    marker = osp.join(model_dir, 'last_checkpoint')
    if not osp.isfile(marker):
        return None
    with open(marker, encoding='utf-8') as file:
        path = file.read().strip()
    return path if osp.isfile(path) else None


def build_benchmark_config(config: str, model_dir: str, cfg_options: Optional[dict],
                           iters: Optional[int], seed: Optional[int] = None):
    """The config as the benchmark runs it.

    Args:
        config: config file.
        model_dir: the model's work directory.
        cfg_options: ``--cfg-options`` style overrides (merged first).
        iters: if given, the training length N; the whole schedule (schedulers,
            intervals) is scaled to it (:func:`~rleseg.benchmark.schedule.scale_schedule`).
        seed: if given, ``randomness.seed`` (the config's own otherwise).

    Returns:
        An mmengine ``Config`` with the benchmark's evaluators (see
        :func:`benchmark_evaluators`) on the test split and on the validation split
        (moved under :data:`~rleseg.benchmark.validation.VAL_SPLIT_KEY`), and no
        validation loop.
    """
    from rleseg.engine import load_config

    from .schedule import scale_schedule
    cfg = load_config(config, cfg_options, work_dir=model_dir)
    resolve_run_checkpoints(cfg, model_dir, seed)
    if iters is not None:
        scale_schedule(cfg, iters)
    if seed is not None:
        cfg.randomness = dict(cfg.get('randomness') or {}, seed=int(seed))
    cfg.test_evaluator = benchmark_evaluators(cfg.get('test_evaluator'))
    detach_validation(cfg, benchmark_evaluators(cfg.get('val_evaluator')
                                                or cfg.get('test_evaluator')))
    return cfg


#: ``checkpoint='benchmark://<model>'``: the trained checkpoint of another model of the
#: same benchmark run (same work directory and seed), e.g. to initialise a backbone.
RUN_CHECKPOINT = 'benchmark://'


def resolve_run_checkpoints(cfg, model_dir: str, seed: Optional[int]) -> None:
    """Replace every ``benchmark://<model>`` string of ``cfg``, in place, by the trained
    checkpoint of ``<model>`` in the same run (``<work_dir>/<model>[/seed_<s>]``).

    Raises:
        FileNotFoundError: that model has not been trained in this run (list it before
            the model that uses it).
    """
    work_dir = osp.dirname(model_dir if seed is None else osp.dirname(model_dir))

    def resolve(node):
        if isinstance(node, dict):
            for key, value in node.items():
                node[key] = resolve(value)
        elif isinstance(node, list):
            node[:] = [resolve(value) for value in node]
        elif isinstance(node, str) and node.startswith(RUN_CHECKPOINT):
            name = node[len(RUN_CHECKPOINT):]
            source = osp.join(work_dir, name, *([f'seed_{seed}'] if seed is not None else []))
            checkpoint = ((read_json(record_path(source)) or {}).get('train') or {}).get(
                'checkpoint')
            if not checkpoint or not osp.isfile(checkpoint):
                raise FileNotFoundError(
                    f'{node}: no trained checkpoint of {name} in {source}; run {name} '
                    'in the same benchmark (and work dir, seeds) before this model')
            return checkpoint
        return node

    for key in list(cfg.keys()):
        cfg[key] = resolve(cfg[key])


def benchmark_evaluators(evaluator: Any) -> Any:
    """The test evaluators every model is scored with, whatever its config names.

    ``PerClassSegMetric`` (keeping the config's ``ignore_index``) for every model; a
    ``VideoFrameMetric`` of the config is kept around it, so window predictions are
    merged per frame before that same metric scores them; a ``PanopticQualityMetric``
    of the config is kept next to it.
    """
    configured = evaluator if isinstance(evaluator, (list, tuple)) else [evaluator]
    configured = [dict(e) for e in configured if e]
    ignore_index = next((e.get('ignore_index') for e in configured
                         if e.get('ignore_index') is not None), 255)
    per_class = dict(type='PerClassSegMetric', ignore_index=ignore_index)
    video = [e for e in configured if e['type'] == 'VideoFrameMetric']
    primary = dict(video[0], metric=per_class) if video else per_class
    panoptic = [e for e in configured if e['type'] == 'PanopticQualityMetric']
    return [primary, *panoptic] if panoptic else primary


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


def _relative(path: str, root: str) -> str:
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
                item[key] = _relative(item[key], root)
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


def _batch_maker(runner):
    """``n -> data``: a test batch of ``n`` copies of the first test item."""
    dataloader = runner.test_dataloader
    item = dataloader.dataset[0]
    return lambda n: dataloader.collate_fn([copy.deepcopy(item) for _ in range(n)])


def _display_image(path: str, inputs, frame: int, shape: Tuple[int, int]) -> np.ndarray:
    """The (H, W, 3) RGB uint8 image of one frame, at the prediction's ``shape``: read
    from ``path``, else taken from the model input (frame t is channels 3t..3t+2, BGR
    as loaded)."""
    import mmcv
    if osp.isfile(path):
        image = mmcv.imread(path, channel_order='rgb')
    else:
        first = 3 * frame if inputs.shape[0] >= 3 * (frame + 1) else 0
        image = inputs[first:first + 3].numpy().transpose(1, 2, 0)[..., ::-1]
    if image.ndim == 2:
        image = image[..., None]
    if image.shape[2] == 1:
        image = np.repeat(image, 3, axis=2)
    if image.shape[:2] != tuple(shape):
        image = mmcv.imresize(image, tuple(shape)[::-1])
    return np.ascontiguousarray(image).astype(np.uint8)


def frame_key(path: str, root: str, box: Optional[Sequence[int]] = None) -> str:
    """Name of a scored frame in the qualitative figure: its path relative to the data
    root (plus the patch box of a patch item)."""
    key = _relative(path, root)
    return key + (f"#{','.join(map(str, box))}" if box is not None else '')


def save_qualitative(runner, path: str, num: int) -> List[str]:
    """Predict the first ``num`` scored frames of the test split and save image, ground
    truth and prediction arrays (``img_<i>``, ``gt_<i>``, ``pred_<i>``) with their
    frame keys (:func:`frame_key`, array ``keys``) in a compressed npz.

    The keys let the figure show the same frames for image and video models: a window
    contributes each of its frames, predicted by the first window covering the frame
    (with the configs' non-overlapping test windows, the prediction that is scored).

    Returns:
        The frame keys, in order.
    """
    import io

    import torch
    dataloader = runner.test_dataloader
    dataset = dataloader.dataset
    root = data_root(dataset)
    arrays: Dict[str, np.ndarray] = {}
    keys: List[str] = []
    model = runner.model
    model.eval()
    for index in range(len(dataset)):
        info = dataset.get_data_info(index)
        paths = list(info['img_paths']) if 'img_paths' in info else [info['img_path']]
        frames = [(t, frame_key(p, root, info.get('patch_box')), p)
                  for t, p in enumerate(paths)]
        frames = [f for f in frames if f[1] not in keys][:num - len(keys)]
        if not frames:
            continue
        data = dataloader.collate_fn([dataset[index]])
        with torch.no_grad():
            sample = model.test_step(data)[0]
        preds = sample.pred_sem_seg.data.cpu().numpy()
        gts = sample.gt_sem_seg.data.cpu().numpy()
        for t, key, frame_path in frames:
            i = len(keys)
            arrays[f'pred_{i}'] = preds[t].astype(np.uint8)
            arrays[f'gt_{i}'] = gts[t].astype(np.uint8)
            arrays[f'img_{i}'] = _display_image(frame_path, data['inputs'][0], t,
                                                preds[t].shape)
            keys.append(key)
        if len(keys) >= num:
            break
    buffer = io.BytesIO()
    np.savez_compressed(buffer, keys=np.array(keys), **arrays)
    atomic_write_bytes(path, buffer.getvalue())
    return keys


def token_ceiling(model, dataloader, evaluator) -> Optional[Dict[str, float]]:
    """A token model's ceiling: a split (``dataloader``) scored, by its
    ``evaluator``, on the ground truth's own tokens (tokenized, decoded and upsampled
    by the model's tokenizer: ``test_cfg.oracle``) instead of generated ones. None
    for models without tokens."""
    from .curves import evaluate
    test_cfg = getattr(model, 'test_cfg', None)
    if not isinstance(test_cfg, dict) or 'oracle' not in test_cfg:
        return None
    test_cfg['oracle'] = True
    try:
        metrics = evaluate(model, dataloader, evaluator)
    finally:
        test_cfg['oracle'] = False
    return {key: float(value) for key, value in metrics.items()
            if not key.startswith('seq_')}


def validation_scores(runner, split: ValidationSplit) -> Optional[Dict[str, Any]]:
    """The finished model scored on the validation split by the benchmark's
    evaluator: ``dict(metrics, ceiling, dataset)`` (as the test split's in the
    record), or None when the config has no validation split."""
    from .curves import evaluate
    built = split.build(runner)
    if built is None:
        return None
    metrics = evaluate(runner.model, *built)
    return dict(metrics={key: float(value) for key, value in metrics.items()},
                ceiling=token_ceiling(runner.model, *built),
                dataset=dataset_identity(built.dataloader.dataset))


def tta_scores(runner, views: str, latency_repeats: int = 3) -> Dict[str, Any]:
    """The test split scored by the same evaluator with test-time augmentation
    (:class:`~rleseg.models.SegDihedralTTAModel`, ``views``), and its inference speed:
    ``dict(views, metrics, b1_img_per_s)`` (sequence statistics left out: they are the
    plain evaluation's). A model the TTA wrapper does not serve (panoptic, video
    windows, a binary head; the wrapper refuses it when built) keeps its plain scores:
    ``metrics`` is empty and ``error`` says why."""
    from rleseg.models import SegDihedralTTAModel

    from .curves import evaluate
    from .measure import images_per_second
    loop = runner.test_loop
    try:
        model = SegDihedralTTAModel(module=runner.model, views=views)
    except (TypeError, ValueError) as error:
        return dict(views=views, metrics={},
                    error=f'{type(error).__name__}: {error}'.splitlines()[0])
    metrics = evaluate(model, loop.dataloader, loop.evaluator)
    speed = images_per_second(model.eval(), _batch_maker(runner), 1, latency_repeats)
    return dict(views=views, metrics={key: float(value) for key, value in metrics.items()
                                      if not key.startswith('seq_')},
                b1_img_per_s=speed)


def _timed_warmup(cfg, model_dir: str, iters: int) -> float:
    """Median seconds per training iteration of ``cfg`` over a short throw-away run of
    ``iters`` iterations (the first two, which build and warm caches, are not
    counted). Nothing of the run is kept but its log under ``budget_warmup/``."""
    from mmengine.runner import Runner

    from .measure import BenchmarkHook
    warm = copy.deepcopy(cfg)
    warm.work_dir = osp.join(model_dir, 'budget_warmup')
    warm.experiment_name = f'budget_warmup_{time.time_ns()}'
    warm.train_cfg.max_iters = iters
    warm.default_hooks.checkpoint = dict(type='CheckpointHook', interval=iters + 1,
                                         save_last=False)
    warm.resume, warm.load_from = False, None
    hook = BenchmarkHook()
    runner = Runner.from_cfg(warm)
    runner.register_hook(hook)
    runner.train()
    return statistics.median(hook.iter_seconds[2:] or hook.iter_seconds)


def budget_iterations(cfg, model_dir: str, minutes: float,
                      warmup_iters: int = WARMUP_ITERS) -> Dict[str, Any]:
    """Iterations that fit ``minutes`` of training for ``cfg`` on this machine.

    Returns:
        ``dict(minutes, warmup_iters, warmup_sec_per_iter, iters)``; ``iters`` is at
        least 1.
    """
    if minutes <= 0:
        raise ValueError(f'--budget-minutes must be positive, got {minutes}')
    seconds = _timed_warmup(cfg, model_dir, warmup_iters)
    return dict(minutes=minutes, warmup_iters=warmup_iters, warmup_sec_per_iter=seconds,
                iters=max(1, int(minutes * 60.0 / seconds)))


def run_model(config: str, model_dir: str, *, train: bool = True,
              cfg_options: Optional[dict] = None, iters: Optional[int] = None,
              seed: Optional[int] = None, budget_minutes: Optional[float] = None,
              curve_points: int = 0, latency_repeats: int = 3,
              num_vis: int = 4, tta: Optional[str] = None) -> Dict[str, Any]:
    """Train unless already trained, evaluate, measure; update the record.

    Resumable: a finished model is returned as recorded (evaluated again from its
    checkpoint when ``tta`` asks for views its evaluation lacks); a trained one is only
    evaluated (from its last checkpoint); an interrupted training resumes from the
    latest checkpoint in ``model_dir`` (with the iteration budget recorded before it
    started, and the learning curve of that checkpoint).

    Args:
        config: config file.
        model_dir: work directory of the model (checkpoints, logs, record).
        train: False evaluates an existing checkpoint only (``--eval-only``).
        cfg_options: config overrides.
        iters: training length N; the config's schedule is scaled to it.
        seed: ``randomness.seed`` of the run (None: the config's).
        budget_minutes: train for as many iterations as fit this many minutes (from a
            short timed warm-up; exclusive with ``iters``).
        curve_points: K > 0 scores the validation split at K evenly spaced points
            of training (the last one is the final validation score).
        latency_repeats: timed calls per latency batch size.
        num_vis: test images saved for the qualitative figure.
        tta: also score the test split with test-time augmentation over these views
            (a key of :data:`rleseg.models.tta.VIEWS`; :func:`tta_scores`).

    Returns:
        The record (see :mod:`rleseg.benchmark.records`): ``eval.metrics`` are the
        test split's scores, ``eval.val`` the validation split's
        (:func:`validation_scores`; None without a validation split).
    """
    from mmengine.runner import Runner

    from rleseg.engine import apply_train_options

    from .curves import LearningCurveHook, curve_iterations, curve_metrics
    from .measure import (BenchmarkHook, PeakMemory, count_parameters, latency,
                          machine_info)

    if iters is not None and budget_minutes is not None:
        raise ValueError('give --iters or --budget-minutes, not both')
    path = record_path(model_dir)
    record = read_json(path) or {}
    if is_finished(record, tta):
        return record
    record.update(name=osp.splitext(osp.basename(config))[0], config=config, seed=seed,
                  model_dir=osp.abspath(model_dir),
                  settings=dict(iters=iters, cfg_options=cfg_options or {}, seed=seed,
                                budget_minutes=budget_minutes, curve_points=curve_points,
                                tta=tta))
    record.pop('error', None)
    checkpoint = (record.get('train') or {}).get('checkpoint')
    trained = bool(checkpoint) and osp.isfile(checkpoint)
    if budget_minutes is not None and train and not trained:
        if not record.get('budget'):
            cfg = build_benchmark_config(config, model_dir, cfg_options, None, seed)
            record['budget'] = budget_iterations(cfg, model_dir, budget_minutes)
            atomic_write_json(path, record)
        iters = int(record['budget']['iters'])
    cfg = build_benchmark_config(config, model_dir, cfg_options, iters, seed)
    if not train or trained:
        checkpoint = checkpoint if trained else _last_checkpoint(model_dir)
        if not checkpoint:
            raise FileNotFoundError(f'no checkpoint to evaluate in {model_dir}')
        cfg.load_from = checkpoint
    elif _last_checkpoint(model_dir):
        apply_train_options(cfg, resume='auto')
    memory = PeakMemory()
    hook = BenchmarkHook(progress_path(model_dir))
    max_iters = int(cfg.train_cfg.max_iters)
    val_split = ValidationSplit(cfg.get(VAL_SPLIT_KEY))
    curve_hook = LearningCurveHook(curve_iterations(max_iters, curve_points), val_split)
    runner = Runner.from_cfg(cfg)
    runner.register_hook(hook)
    runner.register_hook(curve_hook)
    record['machine'] = machine_info()

    if train and not trained:
        memory.start()
        start = time.perf_counter()
        runner.train()
        curve = LearningCurveHook.read(runner)
        record['train'] = dict(
            iters=max_iters,
            batch_size=int(cfg.train_dataloader.batch_size),
            sec_per_iter=hook.sec_per_iter(),
            timed_iters=len(hook.iter_seconds),
            wall_s=time.perf_counter() - start,
            train_s=curve['train_s'],
            peak_mem_mib=memory.peak_mib(),
            peak_mem_kind=memory.kind,
            checkpoint=_last_checkpoint(model_dir),
            curve=curve['points'],
            machine=record['machine'])
        record['status'] = STATUS_TRAINED
        atomic_write_json(path, record)

    memory.start()
    start = time.perf_counter()
    metrics = runner.test()
    test_wall = time.perf_counter() - start
    loop = runner.test_loop
    ceiling = token_ceiling(runner.model, loop.dataloader, loop.evaluator)
    val_eval = validation_scores(runner, val_split)
    tta_eval = tta_scores(runner, tta, latency_repeats) if tta else None
    hook.report('latency', 0, 2, force=True)
    identity = dataset_identity(runner.test_dataloader.dataset)
    speed = latency(runner.model, _batch_maker(runner), (1, 8), latency_repeats,
                    frames_per_item=identity['frames_per_item'])
    hook.report('figures', 0, 1, force=True)
    keys = save_qualitative(runner, osp.join(model_dir, QUALITATIVE_NAME), num_vis)
    train_record = record.get('train') or {}
    if train_record and curve_points and val_eval:
        # the curve's final point: the validation score (replaced on re-evaluation)
        train_record['curve'] = [
            point for point in train_record.get('curve') or []
            if point.get('iter') != train_record['iters']] + [dict(
                iter=train_record['iters'], train_s=train_record.get('train_s'),
                split=SPLIT_VAL, **curve_metrics(val_eval['metrics']))]
    record['eval'] = dict(
        metrics={key: float(value) for key, value in metrics.items()},
        ceiling=ceiling,
        val=val_eval,
        tta=tta_eval,
        latency=speed,
        test_wall_s=test_wall,
        peak_mem_mib=memory.peak_mib(),
        peak_mem_kind=memory.kind,
        params=count_parameters(runner.model),
        model_type=cfg.model.type,
        dataset=identity,
        qualitative=dict(file=QUALITATIVE_NAME, keys=keys),
        checkpoint=cfg.get('load_from') or train_record.get('checkpoint'))
    record['status'] = STATUS_DONE
    atomic_write_json(path, record)
    return record


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='rleseg benchmark: one model')
    parser.add_argument('--config', required=True)
    parser.add_argument('--model-dir', required=True)
    parser.add_argument('--eval-only', action='store_true')
    parser.add_argument('--iters', type=int)
    parser.add_argument('--seed', type=int)
    parser.add_argument('--budget-minutes', type=float)
    parser.add_argument('--curve-points', type=int, default=0)
    parser.add_argument('--parent-pid', type=int,
                        help='terminate when this process (the benchmark) dies')
    parser.add_argument('--latency-repeats', type=int, default=3)
    parser.add_argument('--num-vis', type=int, default=4)
    parser.add_argument('--tta', choices=sorted(VIEWS))
    parser.add_argument('--cfg-options', type=json.loads, default=None,
                        help='config overrides as a JSON object')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point of the worker process; the exit code is 0 on success."""
    args = parse_args(argv)
    if args.parent_pid is not None:
        die_with_parent(args.parent_pid)
    try:
        with ModelDirLock(args.model_dir):
            run_model(args.config, args.model_dir, train=not args.eval_only,
                      cfg_options=args.cfg_options, iters=args.iters, seed=args.seed,
                      budget_minutes=args.budget_minutes, curve_points=args.curve_points,
                      latency_repeats=args.latency_repeats, num_vis=args.num_vis,
                      tta=args.tta)
    except ModelDirBusy as error:  # another worker owns the directory: leave its record
        print(error, file=sys.stderr)
        return EXIT_BUSY
    except Exception as error:  # the record carries the failure to the table
        traceback.print_exc()
        path = record_path(args.model_dir)
        record = read_json(path) or {}
        record.update(name=osp.splitext(osp.basename(args.config))[0],
                      config=args.config, seed=args.seed, status=STATUS_FAILED,
                      error=f'{type(error).__name__}: {error}'.splitlines()[0])
        atomic_write_json(path, record)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
