"""Your own dataset in one command: a folder dataset written here (a few 64 x 64
images in mmseg's plain layout) through ``--dataset ... --suite paradigms``: the token
model composed on it is the shipped tiny token model but for what the data derives, its
training step is timed against the dense baselines', and a composed config is composed
again when its inputs change."""
import io
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from mmengine.config import Config

from rleseg.benchmark.compose import Budget, compose_paradigms

REPO = Path(__file__).resolve().parents[2]
PARADIGMS = ('p2s_rle', 'unet', 'deeplabv3plus', 'mask2former')
#: What the data derives in the composed token model; everything else is the base's.
DERIVED = {('tokenizer', 'num_classes'), ('tokenizer', 'mask_size'),
           ('tokenizer', 'subsample', 'factor'), ('tokenizer', 'max_length'),
           ('tokenizer', 'max_seq_len'), ('data_preprocessor', 'size'),
           ('test_cfg', 'crop_size'), ('test_cfg', 'stride')}


def _write_folder_dataset(root: Path) -> None:
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:64, :64]
    for split, count in (('train', 6), ('val', 2), ('test', 2)):
        for index in range(count):
            label = np.zeros((64, 64), np.uint8)
            for _ in range(3):
                cy, cx = rng.uniform(10, 54, 2)
                label[(yy - cy) ** 2 + (xx - cx) ** 2 <= rng.uniform(5, 9) ** 2] = 1
            image = (40 + 150 * label + rng.normal(0, 10, label.shape)).clip(0, 255)
            for folder, array in (('img_dir', image.astype(np.uint8)), ('ann_dir', label)):
                path = root / folder / split / f'cell_{index}.png'
                path.parent.mkdir(parents=True, exist_ok=True)
                cv2.imwrite(str(path), array)


def _dataset_config(path: Path, root: Path, extra: str = '') -> Path:
    path.write_text(
        f"_base_ = [{str(REPO / 'configs/_base_/datasets/folder.py')!r}]\n"
        f'classes = ("background", "cell")\n{extra}'
        f'train_dataloader = dict(num_workers=0, persistent_workers=False,\n'
        f'    dataset=dict(data_root={str(root)!r}))\n'
        f'val_dataloader = dict(num_workers=0, persistent_workers=False,\n'
        f'    dataset=dict(data_root={str(root)!r}))\n'
        f'test_dataloader = dict(num_workers=0, persistent_workers=False,\n'
        f'    dataset=dict(data_root={str(root)!r}))\n')
    return path


def test_a_folder_dataset_runs_every_paradigm(tmp_path, benchmark_tool, capsys,
                                              config_leaves):
    root = tmp_path / 'cells'
    _write_folder_dataset(root)
    config = _dataset_config(tmp_path / 'cells.py', root)
    work = tmp_path / 'bench'
    code = benchmark_tool.main(['--dataset', str(config), '--suite', 'paradigms',
                                '--iters', '1', '--work-dir', str(work),
                                '--cost-steps', '1',
                                '--latency-repeats', '1', '--num-vis', '1'])
    out = capsys.readouterr().out
    assert code == 0, out
    assert 'token model tokenizer derived from 6 training masks' in out
    assert 'chosen: S = ' in out
    assert 'dense baselines, one training step on this machine: unet ' in out
    assert 'step budget' in out and 'x the slowest dense baseline' in out
    names = [f'{p}_cells' for p in PARADIGMS]
    report = json.loads((work / 'benchmark_cells.json').read_text())
    assert [m['name'] for m in report['models']] == names
    assert len({m['eval']['dataset']['items_sha1'] for m in report['models']}) == 1
    assert all(m['eval']['dataset']['num_items'] == 2 for m in report['models'])
    assert not report['test_split']['generated'] and 'real data' in out
    token = report['models'][0]
    assert token['eval']['ceiling']['mDice'] > 50.0      # the derived tokenizer's ceiling
    composed = Config.fromfile(str(work / 'configs' / 'p2s_rle_cells.py'))
    model = composed.model
    tok = model.tokenizer
    assert tok.subsample.factor * tok.mask_size == model.data_preprocessor.size[0]
    shipped = Config.fromfile(str(REPO / 'configs/_base_/models/p2s_rle_tiny.py')).model
    ours, theirs = config_leaves(model.to_dict()), config_leaves(shipped.to_dict())
    assert ours.keys() == theirs.keys()
    assert {key for key in ours if ours[key] != theirs[key]} <= DERIVED
    assert composed.composed_from.options == dict(
        min_ceiling_dice=90.0, max_step_ratio=5.0, cost_steps=1)
    for name in names:  # the composed configs are kept for reruns with tools/train.py
        assert (work / 'configs' / f'{name}.py').is_file()


def test_a_composed_config_is_composed_again_when_its_inputs_change(tmp_path):
    root = tmp_path / 'cells'
    _write_folder_dataset(root)
    config = _dataset_config(tmp_path / 'cells.py', root)
    out, untimed = tmp_path / 'configs', Budget(steps=0)

    def compose(**options):
        stream = io.StringIO()
        specs = compose_paradigms(str(config), str(out), paradigms=('p2s_rle', 'unet'),
                                  budget=untimed, stream=stream, **options)
        return {Path(s.config).stem: Path(s.config).read_text() for s in specs}, \
            stream.getvalue()

    first, text = compose()
    assert 'derived from 6 training masks' in text and 'step budget' not in text
    again, text = compose()                      # nothing changed: reused as written
    assert again == first and text == ''
    moved = tmp_path / 'cells_moved'
    root.rename(moved)
    _dataset_config(config, moved)               # a new data_root: both composed again
    third, text = compose()
    assert text.count('its inputs changed since it was composed') == 2
    assert all(str(moved) in body and body != first[name] for name, body in third.items())
    fourth, text = compose(min_ceiling_dice=80.0)  # a token-model option: only p2s_rle
    assert text.count('its inputs changed') == 1 and 'p2s_rle_cells.py' in text
    assert fourth['unet_cells'] == third['unet_cells']
    assert fourth['p2s_rle_cells'] != third['p2s_rle_cells']


def test_a_dataset_config_without_classes_count_is_refused_in_one_line(
        tmp_path, benchmark_tool, capsys):
    config = tmp_path / 'broken.py'
    config.write_text('train_dataloader = dict(dataset=dict(type="FolderSegDataset"))\n')
    with pytest.raises(SystemExit) as exit_info:
        benchmark_tool.main(['--dataset', str(config), '--work-dir', str(tmp_path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert exit_info.value.code == 1 and len(err) == 1
    assert 'defines no num_classes, test_dataloader' in err[0] and str(config) in err[0]
