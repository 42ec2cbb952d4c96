"""Train (or load) and evaluate one run; the unit of work of a benchmark.

A launcher (:mod:`rleseg.benchmark.launchers`) starts each run in its own process,
``python -m rleseg.benchmark.worker --run '<RunSpec JSON>'`` (or as a submitit job's
function, :class:`~rleseg.benchmark.submitit_launcher.RunJob`), so that peak memory,
global mmengine state and crashes stay per run. The worker holds the run folder's lock
(:class:`~rleseg.benchmark.lock.ModelDirLock`), and :func:`run_model` does the work.

Every model is scored with the same metric,
:class:`~rleseg.evaluation.PerClassSegMetric` (the config's own evaluators are
replaced), on two splits: its config's ``val_dataloader`` (validation: what learning
curves score and what settings, budgets and checkpoints are chosen on; see
:mod:`rleseg.benchmark.validation`) and its ``test_dataloader`` (test: scored once,
after training, and only reported). mmengine's validation loop stays off.
"""
from __future__ import annotations

import argparse
import os
import os.path as osp
import sys
import time
import traceback
from typing import Any, Dict, List, Optional

from rleseg.engine.tool_errors import one_line_message

from .budget import budget_iterations
from .calibrate import calibrate_run, enable_logit_bias
from .identity import dataset_identity
from .launchers import failed_record, thread_env
from .lock import EXIT_BUSY, ModelDirBusy, ModelDirLock, die_with_parent
from .qualitative import QUALITATIVE_NAME, save_qualitative
from .records import (STATUS_DONE, STATUS_TRAINED, atomic_write_json, is_finished,
                      progress_path, read_json, record_path)
from .run_config import build_benchmark_config
from .scores import (batch_maker, token_ceiling, train_class_balance, tta_scores,
                     validation_scores)
from .settings import RunSpec
from .validation import SPLIT_VAL, VAL_SPLIT_KEY, ValidationSplit


def _last_checkpoint(model_dir: str) -> Optional[str]:
    """The checkpoint mmengine recorded as latest in ``model_dir``, if it exists."""
    marker = osp.join(model_dir, 'last_checkpoint')
    if not osp.isfile(marker):
        return None
    with open(marker, encoding='utf-8') as file:
        path = file.read().strip()
    return path if osp.isfile(path) else None


def launch_info() -> Dict[str, Any]:
    """How this process was started: its torch threads, visible GPUs and Slurm job."""
    import torch
    return dict(threads=torch.get_num_threads(),
                cuda_visible_devices=os.environ.get('CUDA_VISIBLE_DEVICES'),
                slurm_job_id=os.environ.get('SLURM_JOB_ID'))


def run_model(run: RunSpec) -> Dict[str, Any]:
    """Train unless already trained, evaluate, measure; update the record.

    Resumable: a finished run is returned as recorded (evaluated again from its
    checkpoint when ``run.tta`` asks for views its evaluation lacks); a trained one is
    only evaluated (from its last checkpoint); an interrupted training resumes from the
    latest checkpoint in ``run.model_dir`` (with the iteration budget recorded before it
    started, and the learning curve of that checkpoint).

    Args:
        run: the run (:class:`~rleseg.benchmark.settings.RunSpec`): ``train`` False
            evaluates an existing checkpoint only (``--eval-only``); ``iters`` scales
            the config's schedule; ``budget_minutes`` trains for the iterations that
            fit (from a short timed warm-up); ``curve_points`` K > 0 scores the
            validation split at K evenly spaced points of training (the last one is
            the final validation score); ``tta`` also scores the test split with
            test-time augmentation (:func:`~rleseg.benchmark.scores.tta_scores`);
            ``calibrate`` chooses the decision-rule bias on the validation split and
            scores the test split with it too (:mod:`rleseg.benchmark.calibrate`);
            ``num_vis`` test images are saved for the qualitative figure.

    Returns:
        The record (see :mod:`rleseg.benchmark.records`): ``eval.metrics`` are the
        test split's scores, ``eval.val`` the validation split's
        (:func:`~rleseg.benchmark.scores.validation_scores`; None without a
        validation split).
    """
    from mmengine.runner import Runner

    from rleseg.engine import apply_train_options

    from .curves import LearningCurveHook, curve_iterations, curve_metrics
    from .measure import (BenchmarkHook, PeakMemory, count_parameters, latency,
                          machine_info)

    model_dir = run.model_dir
    path = record_path(model_dir)
    record = read_json(path) or {}
    if is_finished(record, run.tta, run.calibrate):
        return record
    record.update(name=run.name, config=run.config, seed=run.seed, fold=run.fold,
                  model_dir=osp.abspath(model_dir), settings=run.recorded())
    record.pop('error', None)
    checkpoint = (record.get('train') or {}).get('checkpoint')
    trained = bool(checkpoint) and osp.isfile(checkpoint)
    iters = run.iters
    if run.budget_minutes is not None and run.train and not trained:
        if not record.get('budget'):
            cfg = build_benchmark_config(run, None)
            record['budget'] = budget_iterations(cfg, model_dir, run.budget_minutes)
            atomic_write_json(path, record)
        iters = int(record['budget']['iters'])
    cfg = build_benchmark_config(run, iters)
    if run.calibrate:
        enable_logit_bias(cfg)
    if not run.train or trained:
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
    curve_hook = LearningCurveHook(curve_iterations(max_iters, run.curve_points), val_split)
    runner = Runner.from_cfg(cfg)
    runner.register_hook(hook)
    runner.register_hook(curve_hook)
    record['machine'] = machine_info()
    record['launch'] = launch_info()

    if run.train and not trained:
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
            accuracy=hook.train_accuracy(),
            accuracy_baseline=hook.majority_baseline(),
            class_balance=train_class_balance(runner.train_dataloader.dataset),
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
    tta_eval = tta_scores(runner, run.tta, run.latency_repeats) if run.tta else None
    calibration = calibrate_run(runner, val_split) if run.calibrate else None
    hook.report('latency', 0, 2, force=True)
    identity = dataset_identity(runner.test_dataloader.dataset)
    speed = latency(runner.model, batch_maker(runner), (1, 8), run.latency_repeats,
                    frames_per_item=identity['frames_per_item'])
    hook.report('figures', 0, 1, force=True)
    keys = save_qualitative(runner, osp.join(model_dir, QUALITATIVE_NAME), run.num_vis)
    train_record = record.get('train') or {}
    if train_record and run.curve_points and val_eval:
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
        calibration=calibration,
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


def use_threads(threads: Optional[int]) -> None:
    """Run this process with ``threads`` torch / OpenMP threads (None: unchanged)."""
    if threads is None:
        return
    os.environ.update(thread_env(threads))
    import torch
    torch.set_num_threads(threads)


def record_run(run: RunSpec) -> int:
    """:func:`run_model` with its threads; a failure is written into the record (the
    table shows it). Returns the exit status (0: done, 1: failed)."""
    use_threads(run.threads)
    try:
        run_model(run)
    except Exception as error:  # the record carries the failure to the table
        traceback.print_exc()
        path = record_path(run.model_dir)
        record = read_json(path) or {}
        record.update(failed_record(run, f'{type(error).__name__}: '
                                         f'{one_line_message(error)}'))
        atomic_write_json(path, record)
        return 1
    return 0


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='rleseg benchmark: one run')
    parser.add_argument('--run', required=True, type=RunSpec.from_json,
                        help='the run, a RunSpec as JSON (what the launchers hand over)')
    parser.add_argument('--parent-pid', type=int,
                        help='terminate when this process (the benchmark) dies')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point of the worker process; the exit code is 0 on success, 1 on a
    recorded failure, :data:`~rleseg.benchmark.lock.EXIT_BUSY` when another process
    holds the run's folder."""
    args = parse_args(argv)
    if args.parent_pid is not None:
        die_with_parent(args.parent_pid)
    try:
        with ModelDirLock(args.run.model_dir):
            return record_run(args.run)
    except ModelDirBusy as error:  # another worker owns the directory: leave its record
        print(error, file=sys.stderr)
        return EXIT_BUSY


if __name__ == '__main__':
    sys.exit(main())
