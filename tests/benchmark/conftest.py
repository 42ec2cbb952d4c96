"""Fixtures of the benchmark tests."""
import importlib.util
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def benchmark_tool(monkeypatch):
    """``tools/benchmark.py`` as a module, run from the repository root (the demo
    configs' ``data_root`` is relative: ``data/...``)."""
    monkeypatch.chdir(REPO)
    spec = importlib.util.spec_from_file_location('benchmark_tool',
                                                  REPO / 'tools' / 'benchmark.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _leaves(cfg: dict, prefix: tuple = ()) -> dict:
    out = {}
    for key, value in cfg.items():
        if isinstance(value, dict):
            out.update(_leaves(value, prefix + (key, )))
        else:
            out[prefix + (key, )] = value
    return out


@pytest.fixture
def config_leaves():
    """``leaves(cfg) -> {key path: value}`` of every leaf of a config dict (to compare
    a composed model with the shipped one field by field)."""
    return _leaves
