"""Teacher-forced token accuracy per field: totals against run counts of the tokenizer,
100 % after memorising a batch, and tools/token_accuracy.py end to end."""
import copy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmseg.registry import MODELS
from PIL import Image

TESTS = Path(__file__).resolve().parents[1]
for _folder in ('models', 'foundation'):  # the shared model helpers, the tool helpers
    if str(TESTS / _folder) not in sys.path:
        sys.path.insert(0, str(TESTS / _folder))

from p2s_helpers import make_batch, tiny_model_cfg  # noqa: E402
from test_tools import REPO, _fails_in_one_line  # noqa: E402

from rleseg.datasets import prepare_nuclei  # noqa: E402
from rleseg.evaluation.token_accuracy import (accuracy_table,  # noqa: E402
                                              dataset_field_accuracy, field_accuracy)
from rleseg.tokenizers import build_tokenizer  # noqa: E402

# 32 x 32 patches, 8 x 8 mask grid: every run field of the two schemes
MC_2D = dict(scheme='mc', mask_size=8, num_classes=3, starts='2d',
             subsample=dict(factor=4), max_seq_len=64)
LAC_FLAT = dict(scheme='lac', mask_size=8, num_classes=3, starts='flat',
                subsample=dict(factor=4), max_seq_len=64)
NUCLEI = 'configs/p2s_rle_nuclei_tiny.py'


@pytest.fixture(autouse=True)
def _seed_and_threads(seeded_single_thread):
    yield


def build(tok: dict):
    torch.manual_seed(0)
    return MODELS.build(tiny_model_cfg(tok))


def run_counts(tok_cfg: dict, masks) -> np.ndarray:
    """Runs per mask as the tokenizer encodes them (none may be truncated)."""
    encoded = [build_tokenizer(tok_cfg).encode(mask) for mask in masks]
    assert not any(e.truncated for e in encoded)
    return np.array([e.num_runs for e in encoded])


@pytest.mark.parametrize('tok, fields', [(MC_2D, ['row', 'col', 'length', 'class']),
                                         (LAC_FLAT, ['start', 'lac'])])
def test_totals_are_the_ground_truth_runs_and_eos(tok, fields):
    """Every run contributes one target to each of its fields, every sequence one EOS;
    PAD targets count nowhere. Batches of different sequence lengths add up."""
    model = build(tok)
    model.train()
    batches = [make_batch(tok, 3, seed=seed) for seed in (0, 1)]
    counts = [field_accuracy(model, copy.deepcopy(data)) for data, _ in batches]
    assert model.training                                  # the mode is restored
    for (_, masks), count in zip(batches, counts):
        runs = int(run_counts(tok, masks).sum())
        assert list(count) == fields + ['eos']
        assert {name: n for name, (_, n) in count.items()} == {
            **{name: runs for name in fields}, 'eos': len(masks)}
        assert all(0 <= correct <= n for correct, n in count.values())

    rows = dataset_field_accuracy(model, [copy.deepcopy(data) for data, _ in batches])
    assert [row[0] for row in rows] == fields + ['eos', 'all']
    for name, correct, targets, accuracy in rows[:-1]:
        assert (correct, targets) == tuple(map(sum, zip(*(c[name] for c in counts))))
        assert accuracy == pytest.approx(100.0 * correct / targets)
    assert rows[-1][1:3] == tuple(map(sum, zip(*(row[1:3] for row in rows[:-1]))))
    table = accuracy_table(rows)
    assert table.splitlines()[0] == '| field | targets | accuracy % |'
    assert all(f'| {name} | {targets} |' in table for name, _, targets, _ in rows)


def test_every_field_is_right_after_memorising_a_batch(memorise):
    model = build(MC_2D)
    data, _ = make_batch(MC_2D, 2)
    memorise(model, copy.deepcopy(data), 400, 1e-3)
    counts = field_accuracy(model, copy.deepcopy(data))
    assert all(n > 0 and correct == n for correct, n in counts.values()), counts


def test_predicting_the_input_token_scores_zero(monkeypatch):
    """Row t must be scored against token t+1: a decoder that echoes token t is wrong
    everywhere (consecutive tokens always belong to different fields)."""
    model = build(MC_2D)
    data, _ = make_batch(MC_2D, 2)
    vocab = model.vocab_layout.vocab_size
    monkeypatch.setattr(model.decoder, 'forward',
                        lambda tokens, memory: torch.nn.functional.one_hot(tokens, vocab))
    counts = field_accuracy(model, data)
    assert all(correct == 0 and n > 0 for correct, n in counts.values()), counts


# ---------------------------------------------------------------------- the tool
@pytest.fixture(scope='module')
def nuclei_root(tmp_path_factory) -> str:
    return prepare_nuclei(str(tmp_path_factory.mktemp('data') / 'nuclei'))['root']


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory) -> str:
    """The nuclei token config's model, as initialised, in a checkpoint file."""
    path = tmp_path_factory.mktemp('ckpt') / 'p2s.pth'
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(str(REPO / NUCLEI)).model)
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, path)
    return str(path)


@pytest.mark.parametrize('split', ['test', 'train'])
def test_tool_prints_the_table_of_a_split(split, nuclei_root, checkpoint):
    """Totals are those of the split's un-augmented labels (the training images go
    through the test pipeline): one target per run and field, one EOS per image."""
    result = subprocess.run(
        [sys.executable, 'tools/token_accuracy.py', NUCLEI, checkpoint, '--split', split,
         '--cfg-options', f'train_dataloader.dataset.data_root={nuclei_root}',
         f'test_dataloader.dataset.data_root={nuclei_root}'],
        cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    labels = sorted((Path(nuclei_root) / 'ann_dir' / split).glob('*.png'))
    tok_cfg = Config.fromfile(str(REPO / NUCLEI)).model.tokenizer.to_dict()
    runs = int(run_counts(tok_cfg, [np.array(Image.open(p)) for p in labels]).sum())
    table = [line for line in result.stdout.splitlines() if line.startswith('|')]
    assert table[:2] == ['| field | targets | accuracy % |', '|---|---:|---:|']
    targets = {line.split('|')[1].strip(): int(line.split('|')[2]) for line in table[2:]}
    assert targets == dict(start=runs, lac=runs, eos=len(labels),
                           all=2 * runs + len(labels)), result.stdout


def test_tool_refuses_a_model_without_tokens_in_one_line(tmp_path):
    line = _fails_in_one_line([sys.executable, 'tools/token_accuracy.py',
                               'configs/unet_nuclei_tiny.py', str(tmp_path / 'any.pth')])
    assert 'not a token model' in line and 'vocab_layout' in line, line
