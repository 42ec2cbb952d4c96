"""The cross-paradigm benchmark: models × datasets on identical splits, one metric.

``tools/benchmark.py --suite demo`` is the entry point; the pieces are

* :mod:`.suites` — named suites and config lookup;
* :mod:`.settings` — the grid's settings and one run's specification (``RunSpec``);
* :mod:`.worker` — train / load, evaluate and measure one run (own process), with
  :mod:`.run_config`, :mod:`.scores`, :mod:`.identity`, :mod:`.qualitative`,
  :mod:`.budget`;
* :mod:`.measure` — parameters, training s/iter, latency, peak memory, machine;
* :mod:`.grid` — the (model, fold, seed) runs, finished ones skipped, the rest handed
  to a launcher (:mod:`.launchers`: ``--jobs``; :mod:`.submitit_launcher`: Slurm);
* :mod:`.validation` / :mod:`.curves` — the validation split every run is also
  scored on, and the learning curves scored on it;
* :mod:`.selection` — ``--select``: the best model / checkpoint chosen on validation,
  its test score reported once;
* :mod:`.report` / :mod:`.plots` — tables (markdown, CSV, JSON), summary, figures;
* :mod:`.deform_attn` — ``PyTorchDeformAttnHook`` (registered in HOOKS) so that
  Mask2Former runs on a GPU with a CPU-only mmcv build.
"""
from .deform_attn import PyTorchDeformAttnHook, force_pytorch_deform_attn
from .grid import BenchmarkSettings, run_models
from .run import BenchmarkResult, run_benchmark
from .suites import SUITES, ModelSpec, Suite, resolve_config, resolve_models

__all__ = [
    'BenchmarkResult', 'BenchmarkSettings', 'ModelSpec', 'PyTorchDeformAttnHook',
    'SUITES', 'Suite', 'force_pytorch_deform_attn', 'resolve_config', 'resolve_models',
    'run_benchmark', 'run_models'
]
