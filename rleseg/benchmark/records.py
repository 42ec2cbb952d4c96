"""Atomic result files and the per-model record of a benchmark run.

Every file is written to a temporary name in the same folder and renamed over the
target (``os.replace`` is atomic on POSIX), so an interrupted benchmark never leaves
a half-written result: on the next run a model is either finished, trained but not
evaluated, or started over from its latest mmengine checkpoint.

A model's record (``<work_dir>/<model>/benchmark_record.json``) is a JSON dict:

* ``name``, ``config``, ``seed``, ``fold``, ``model_dir``: the model, its config file,
  the seed it ran with (None: the config's), its cross-validation fold (None: no
  folds) and its work directory;
* ``status``: ``'trained'`` (training finished, not evaluated yet), ``'done'``,
  ``'failed'`` (``error`` says why) or ``'missing'`` (no config); the grid also
  returns ``'submitted'`` for a run handed to a job array and not waited for;
* ``budget`` (``--budget-minutes`` only): ``minutes``, ``warmup_iters``,
  ``warmup_sec_per_iter`` and the ``iters`` they gave, fixed before training starts;
* ``train``: ``iters``, ``batch_size``, ``sec_per_iter`` (median), ``wall_s``,
  ``train_s`` (seconds in training iterations), ``peak_mem_mib``, ``checkpoint``,
  ``curve`` (learning-curve points: ``iter``, ``train_s``, ``split`` (``'val'``;
  points without it are older and were scored on test), the scores and the kept
  ``checkpoint`` of the point, with ``--curve-points``), ``machine`` (where it
  trained);
* ``eval``: ``metrics`` (the test split's
  :class:`~rleseg.evaluation.PerClassSegMetric` dict), ``val`` (the validation
  split's ``metrics``, ``ceiling`` and ``dataset``; None without a validation split,
  absent in older records),
  ``ceiling`` (token models: the same metrics on the ground truth's own tokens),
  ``tta`` (``--tta``: ``views``, the same metrics with test-time augmentation and
  its ``b1_img_per_s``, or ``error`` for a model it does not serve),
  ``calibration`` (``--calibrate``: the decision-rule bias chosen on validation,
  ``kind``, ``bias``, ``trials``, and the ``val`` and test ``metrics`` with it; see
  :func:`rleseg.benchmark.calibrate.calibrate_run`),
  ``latency`` (``b1_img_per_s``, ``b8_img_per_s``), ``test_wall_s``,
  ``peak_mem_mib`` (+ ``peak_mem_kind``), ``params``, ``model_type``, ``checkpoint``,
  ``dataset`` (label, classes, palette, item count and a hash of the test items) and
  ``qualitative`` (the npz of predictions for the figure);
* ``machine``: where the last phase ran (:func:`rleseg.benchmark.measure.machine_info`);
* ``settings``: the ``iters``, ``budget_minutes``, ``curve_points``, ``seed``,
  ``fold``, ``num_folds``, ``cfg_options`` and ``tta`` it ran with;
* ``launch``: how the last phase was started: ``threads`` (torch threads),
  ``cuda_visible_devices`` and ``slurm_job_id`` (None where not set).
"""
from __future__ import annotations

import json
import os
import tempfile
from typing import Any, Dict, Optional

RECORD_NAME = 'benchmark_record.json'
PROGRESS_NAME = 'benchmark_progress.json'

STATUS_DONE = 'done'
STATUS_TRAINED = 'trained'
STATUS_FAILED = 'failed'
STATUS_MISSING = 'missing'
STATUS_SUBMITTED = 'submitted'


def atomic_write_bytes(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and an atomic rename."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix='.tmp-', dir=folder)
    umask = os.umask(0)
    os.umask(umask)
    os.fchmod(handle, 0o666 & ~umask)   # as open() would create it, not mkstemp's 0600
    try:
        with os.fdopen(handle, 'wb') as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def atomic_write_text(path: str, text: str) -> None:
    """Atomically write UTF-8 text."""
    atomic_write_bytes(path, text.encode('utf-8'))


def atomic_write_json(path: str, obj: Any) -> None:
    """Atomically write ``obj`` as indented JSON (NaN is refused: no NaN leaks)."""
    atomic_write_text(path, json.dumps(obj, indent=2, allow_nan=False) + '\n')


def read_json(path: str) -> Optional[Dict[str, Any]]:
    """The JSON dict at ``path``, or None when the file does not exist."""
    if not os.path.isfile(path):
        return None
    with open(path, encoding='utf-8') as file:
        return json.load(file)


def is_finished(record: Optional[Dict[str, Any]], tta: Optional[str] = None,
                calibrate: bool = False) -> bool:
    """True when ``record`` is evaluated and, if ``tta`` names views, its evaluation
    includes test-time augmentation over them, and, with ``calibrate``, a calibration
    (else it is evaluated again)."""
    if not record or record.get('status') != STATUS_DONE:
        return False
    evaluation = record.get('eval') or {}
    if calibrate and not evaluation.get('calibration'):
        return False
    return tta is None or (evaluation.get('tta') or {}).get('views') == tta


def record_path(model_dir: str) -> str:
    """Path of a model's record inside its work directory."""
    return os.path.join(model_dir, RECORD_NAME)


def progress_path(model_dir: str) -> str:
    """Path of the progress file a worker updates while it runs."""
    return os.path.join(model_dir, PROGRESS_NAME)
