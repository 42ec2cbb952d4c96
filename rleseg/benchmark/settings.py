"""What a benchmark runs: the grid's shared settings and one run's specification.

:class:`BenchmarkSettings` is the grid (models x folds x seeds and what they share),
checked once when it is made. :class:`RunSpec` is one (model, fold, seed) run: every
setting its worker needs, serialised once as JSON (:meth:`RunSpec.to_json`) and handed
unchanged to the worker by every launcher (a local process, a submitit job).

Work directory of a run::

    <work_dir>/<model>[/fold_<i>][/seed_<s>]
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import os.path as osp
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

from rleseg.engine.tool_errors import ConfigError
from rleseg.models.tta import VIEWS

from .suites import ModelSpec


@functools.lru_cache(maxsize=None)
def _config_digest(path: str, mtime_ns: int) -> str:
    from mmengine.config import Config
    resolved = Config.fromfile(path).to_dict()
    resolved.pop('work_dir', None)
    return hashlib.sha1(json.dumps(resolved, sort_keys=True, default=str).encode()).hexdigest()


def config_digest(path: str) -> str:
    """SHA-1 of a config as resolved (its ``_base_`` files and values, not its comments
    or layout): a finished run whose config resolves differently is run again."""
    return _config_digest(osp.abspath(path), os.stat(path).st_mtime_ns)


def run_dir(work_dir: str, name: str, fold: Optional[int] = None,
            seed: Optional[int] = None) -> str:
    """Work directory of the run of model ``name`` (fold ``fold``, seed ``seed``)."""
    parts = [work_dir, name]
    if fold is not None:
        parts.append(f'fold_{fold}')
    if seed is not None:
        parts.append(f'seed_{seed}')
    return osp.join(*parts)


def run_label(name: str, fold: Optional[int] = None, seed: Optional[int] = None) -> str:
    """``name[ fold i][ seed s]``: a run as the progress display names it."""
    return ' '.join([name] + ([f'fold {fold}'] if fold is not None else [])
                    + ([f'seed {seed}'] if seed is not None else []))


@dataclass(frozen=True)
class RunSpec:
    """One (model, fold, seed) run of a benchmark: everything its worker reads.

    Attributes:
        name: model name (the table row).
        config: config file.
        work_dir: the benchmark's work directory (the run's own is :attr:`model_dir`).
        seed: ``randomness.seed`` (None: the config's).
        fold: with ``num_folds``, the validation fold of this run (None: no folds).
        num_folds: K of K-fold cross-validation over the training items (None: none).
        train: False evaluates the latest checkpoint only.
        iters: training length N, the config's schedule scaled to it (None: its own).
        budget_minutes: train for the iterations that fit this many minutes (timed
            warm-up on the machine the run lands on; exclusive with ``iters``).
        curve_points: scored at K evenly spaced points of training (0: at the end).
        cfg_options: config overrides.
        latency_repeats: timed calls per latency batch size.
        num_vis: images saved for the qualitative figure.
        tta: test-time augmentation views (a key of :data:`rleseg.models.tta.VIEWS`).
        threads: torch / OpenMP threads of the run (None: the process default).
        calibrate: also choose the decision-rule bias on the validation split and
            score the test split with it (:mod:`rleseg.benchmark.calibrate`).
    """
    name: str
    config: str
    work_dir: str
    seed: Optional[int] = None
    fold: Optional[int] = None
    num_folds: Optional[int] = None
    train: bool = True
    iters: Optional[int] = None
    budget_minutes: Optional[float] = None
    curve_points: int = 0
    cfg_options: Dict[str, Any] = field(default_factory=dict)
    latency_repeats: int = 3
    num_vis: int = 4
    tta: Optional[str] = None
    threads: Optional[int] = None
    calibrate: bool = False

    @property
    def model_dir(self) -> str:
        """The run's work directory (checkpoints, logs, record)."""
        return run_dir(self.work_dir, self.name, self.fold, self.seed)

    def sibling_dir(self, name: str) -> str:
        """The work directory of model ``name``'s run with this fold and seed."""
        return run_dir(self.work_dir, name, self.fold, self.seed)

    @property
    def label(self) -> str:
        """The run as the progress display names it (:func:`run_label`)."""
        return run_label(self.name, self.fold, self.seed)

    def recorded(self) -> Dict[str, Any]:
        """The settings a record is made with (compared when a run is skipped)."""
        return dict(iters=self.iters, cfg_options=self.cfg_options or {}, seed=self.seed,
                    fold=self.fold, num_folds=self.num_folds,
                    budget_minutes=self.budget_minutes, curve_points=self.curve_points,
                    tta=self.tta, calibrate=self.calibrate,
                    config_sha1=config_digest(self.config))

    def to_json(self) -> str:
        """The run as one JSON object (what a launcher hands to the worker)."""
        return json.dumps(dataclasses.asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> 'RunSpec':
        """The run written by :meth:`to_json`.

        Raises:
            ConfigError: the text is not such an object (unknown or missing keys).
        """
        try:
            values = json.loads(text)
        except ValueError as error:
            raise ConfigError(f'--run: not a JSON object: {error}') from None
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - names) if isinstance(values, dict) else []
        if not isinstance(values, dict) or unknown:
            raise ConfigError(f'--run: unknown keys {unknown} (known: {sorted(names)})'
                              if unknown else '--run: not a JSON object')
        try:
            return cls(**values)
        except TypeError as error:
            raise ConfigError(f'--run: {error}') from None


@dataclass
class BenchmarkSettings:
    """What every run of a benchmark shares; checked once when made.

    Attributes:
        work_dir: root of the per-run work directories and of the report.
        train: False evaluates existing checkpoints only.
        iters: training length N of every model, the configs' schedules scaled to it
            (None: the configs' own schedules).
        seeds: train every model once per seed (None: once, with the config's seed).
        folds: K-fold cross-validation: every model (and seed) trains K times, run i on
            the training items outside fold i, validated on fold i (None: no folds; the
            test split is never part of a fold).
        budget_minutes: train every model for the iterations that fit this many
            minutes (measured by a timed warm-up; exclusive with ``iters``).
        curve_points: score at this many evenly spaced points of training (0: at the
            end only).
        cfg_options: config overrides applied to every model.
        latency_repeats: timed calls per latency batch size.
        num_vis: test images in the qualitative figure.
        tta: also score every model with test-time augmentation over these views (a
            key of :data:`rleseg.models.tta.VIEWS`; None: no TTA).
        calibrate: choose each run's decision-rule bias on validation and score the
            test split with it too (:mod:`rleseg.benchmark.calibrate`).
        demo: label the output as demo-scale numbers.
        title: heading of the report (suite name or "custom").
    """
    work_dir: str
    train: bool = True
    iters: Optional[int] = None
    seeds: Optional[List[int]] = None
    folds: Optional[int] = None
    budget_minutes: Optional[float] = None
    curve_points: int = 0
    cfg_options: Dict[str, Any] = field(default_factory=dict)
    latency_repeats: int = 3
    num_vis: int = 4
    tta: Optional[str] = None
    calibrate: bool = False
    demo: bool = False
    title: str = 'custom'

    def __post_init__(self) -> None:
        if self.iters is not None and self.budget_minutes is not None:
            raise ConfigError('give --iters or --budget-minutes, not both')
        if self.iters is not None and self.iters < 1:
            raise ConfigError(f'--iters must be at least 1, got {self.iters}')
        if self.budget_minutes is not None and self.budget_minutes <= 0:
            raise ConfigError(f'--budget-minutes must be positive, got '
                              f'{self.budget_minutes}')
        if self.seeds is not None and len(set(self.seeds)) != len(self.seeds):
            raise ConfigError(f'--seeds repeats a seed: {self.seeds}')
        if self.folds is not None and self.folds < 2:
            raise ConfigError(f'--folds must be at least 2, got {self.folds}')
        if self.curve_points < 0:
            raise ConfigError(f'--curve-points must be >= 0, got {self.curve_points}')
        if self.tta is not None and self.tta not in VIEWS:
            raise ConfigError(f'--tta must be one of {sorted(VIEWS)}, got {self.tta!r}')

    @property
    def run_seeds(self) -> List[Optional[int]]:
        """The seeds each model runs with (``[None]``: the config's own)."""
        return list(self.seeds) if self.seeds else [None]

    @property
    def run_folds(self) -> List[Optional[int]]:
        """The folds each model runs with (``[None]``: no cross-validation)."""
        return list(range(self.folds)) if self.folds else [None]

    def run(self, spec: ModelSpec, fold: Optional[int] = None,
            seed: Optional[int] = None) -> RunSpec:
        """The run of ``spec`` (which has a config) with ``fold`` and ``seed``."""
        return RunSpec(name=spec.name, config=spec.config, work_dir=self.work_dir,
                       seed=seed, fold=fold, num_folds=self.folds if fold is not None
                       else None, train=self.train, iters=self.iters,
                       budget_minutes=self.budget_minutes, curve_points=self.curve_points,
                       cfg_options=dict(self.cfg_options or {}),
                       latency_repeats=self.latency_repeats, num_vis=self.num_vis,
                       tta=self.tta, calibrate=self.calibrate)

    def grid(self, models: Sequence[ModelSpec]
             ) -> List[Tuple[ModelSpec, Optional[int], Optional[int]]]:
        """``(spec, fold, seed)`` of every run, in table order (model, fold, seed)."""
        return [(spec, fold, seed) for spec in models for fold in self.run_folds
                for seed in self.run_seeds]
