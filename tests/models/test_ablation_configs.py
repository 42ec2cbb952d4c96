"""The configs of the ablation suites (configs/p2s_ablation, the README's ablation rows):
every one builds its model and takes one optimiser step on two items read through its
own training pipeline from the embedded data it names (nuclei crops, IPSC- or ARIS-like
demo), so no row of a table rests on a config that cannot train. The token configs
share one base: the shipped tiny token models set only what is about their data, and
no config inherits more than four levels deep."""
import ast
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmengine.optim import OptimWrapper
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS, MODELS

from rleseg.datasets import generate_aris, prepare_nuclei
from rleseg.engine import load_config

init_default_scope('mmseg')  # as under the runner

CONFIGS = Path(__file__).resolve().parents[2] / 'configs'
ABLATION = sorted((CONFIGS / 'p2s_ablation').glob('*.py'))
#: The deepest ``_base_`` chain a shipped or ablation config may have.
MAX_DEPTH = 4


def _depth(path: Path) -> int:
    """Longest chain of ``_base_`` files above ``path`` (mmseg:: bases count as one)."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], 'id', '') == '_base_':
            bases = ast.literal_eval(node.value)
            bases = [bases] if isinstance(bases, str) else bases
            return 1 + max(0 if '::' in base else _depth((path.parent / base).resolve())
                           for base in bases)
    return 0


def test_no_config_inherits_more_than_four_levels():
    paths = sorted(CONFIGS.glob('*.py')) + ABLATION
    deep = {p.name: _depth(p) for p in paths if _depth(p) > MAX_DEPTH}
    assert not deep, deep
    assert _depth(CONFIGS / 'p2s_ablation/p2s_rle_nuclei_reg_tiny.py') == 4  # the checker


@pytest.mark.parametrize('data', ('nuclei', 'ipsc'))
def test_shipped_tiny_token_models_are_the_base_with_their_classes(data):
    """Every model setting of p2s_rle_<data>_tiny comes from the tiny token base except
    the number of classes (the data's)."""
    base = load_config(str(CONFIGS / '_base_/models/p2s_rle_tiny.py')).model
    shipped = load_config(str(CONFIGS / f'p2s_rle_{data}_tiny.py'))
    base.tokenizer.num_classes = shipped.num_classes
    assert shipped.model == base
    assert base.tokenizer.starts == 'flat' and base.length_pointer and base.coordinate_pointer


@pytest.fixture(scope='module')
def data_roots(tmp_path_factory, demo_root) -> dict:
    """Embedded data by the dataset word of a config name."""
    root = tmp_path_factory.mktemp('ablation_data')
    generate_aris(str(root / 'aris_demo'))
    return dict(nuclei=prepare_nuclei(str(root / 'nuclei'))['root'], ipsc=demo_root,
                aris=str(root / 'aris_demo'))


def test_every_ablation_config_names_its_data():
    assert ABLATION
    for path in ABLATION:
        assert sum(f'_{data}_' in path.stem for data in ('nuclei', 'ipsc', 'aris')) == 1, path


@pytest.mark.parametrize('path', ABLATION, ids=lambda p: p.stem)
def test_ablation_config_takes_one_training_step(path, data_roots):
    data = next(name for name in data_roots if f'_{name}_' in path.stem)
    cfg = load_config(str(path), {'train_dataloader.dataset.data_root': data_roots[data]})
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    batch = pseudo_collate([dataset[i] for i in range(2)])
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.train()
    before = [p.detach().clone() for p in model.parameters()]
    optim = OptimWrapper(torch.optim.AdamW(model.parameters(), lr=1e-3))
    log = model.train_step(batch, optim)
    assert np.isfinite(float(torch.as_tensor(log['loss']).detach()))
    assert any(not torch.equal(a, b.detach()) for a, b in zip(before, model.parameters()))
