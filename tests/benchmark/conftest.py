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
