"""The grid's data check: an empty or unusable split is refused before any model
trains, in one line naming the config, the split and where it reads its items; each
distinct set of splits is checked once per grid."""
import io
from pathlib import Path

import cv2
import numpy as np
import pytest

from rleseg.benchmark import BenchmarkSettings, resolve_models, run_models
from rleseg.benchmark import preflight
from rleseg.benchmark.preflight import check_grid_data
from rleseg.benchmark.settings import RunSpec
from rleseg.datasets import DataError

REPO = Path(__file__).resolve().parents[2]


def _folder(root: Path, counts: dict) -> Path:
    """mmseg's plain layout with ``counts[split]`` 16 x 16 items per split."""
    for split, count in counts.items():
        for sub in ('img_dir', 'ann_dir'):
            (root / sub / split).mkdir(parents=True)
        for index in range(count):
            label = np.zeros((16, 16), np.uint8)
            label[4:12, 4:12] = 1
            cv2.imwrite(str(root / 'img_dir' / split / f'{split}_{index}.png'), label * 200)
            cv2.imwrite(str(root / 'ann_dir' / split / f'{split}_{index}.png'), label)
    return root


def _config(path: Path, root: Path, extra: str = '', val_extra: str = '') -> str:
    prefix = 'dict(_delete_=True, img_path="img_dir/{0}", seg_map_path="ann_dir/{0}")'
    path.write_text(
        f"_base_ = [{str(REPO / 'configs/unet_nuclei_tiny.py')!r}]\n"
        f'train_dataloader = dict(dataset=dict(data_root={str(root)!r}, '
        f'data_prefix={prefix.format("train")}))\n'
        f'val_dataloader = dict(dataset=dict(data_root={str(root)!r}, {val_extra}'
        f'data_prefix={prefix.format("val")}))\n'
        f'test_dataloader = dict(dataset=dict(data_root={str(root)!r}, '
        f'data_prefix={prefix.format("test")}))\n{extra}')
    return str(path)


def test_an_empty_test_split_is_refused_before_any_model_trains(tmp_path, benchmark_tool,
                                                                 capsys):
    root = _folder(tmp_path / 'cells', dict(train=2, val=1, test=0))
    config = _config(tmp_path / 'unet_cells.py', root)
    work = tmp_path / 'bench'
    with pytest.raises(SystemExit) as exit_info:
        benchmark_tool.main([config, '--iters', '1', '--work-dir', str(work)])
    err = capsys.readouterr().err.strip().splitlines()
    assert exit_info.value.code == 1 and len(err) == 1, err
    assert err[0].startswith(f'error: {config}: test_dataloader: ')
    assert f'{root}/img_dir/test has no *.png image' in err[0]
    assert not (work / 'unet_cells').exists()         # no model started


def test_an_empty_split_its_dataset_accepts_is_refused_naming_where_it_reads(tmp_path):
    root = _folder(tmp_path / 'cells', dict(train=2, val=0, test=1))
    config = _config(tmp_path / 'unet_cells.py', root,   # mmseg's dataset: 0 items, no error
                     val_extra='type="BaseSegDataset", ')
    run = RunSpec(name='unet_cells', config=config, work_dir=str(tmp_path / 'bench'))
    with pytest.raises(DataError, match=f"{config}: val_dataloader has no item "
                       f"\\(data_root '{root}', data_prefix .*img_dir/val"):
        check_grid_data([run])


def test_each_distinct_set_of_splits_is_checked_once_per_grid(tmp_path, monkeypatch):
    root = _folder(tmp_path / 'cells', dict(train=2, val=1, test=1))
    configs = [_config(tmp_path / 'unet_cells.py', root),
               _config(tmp_path / 'unet_cells_b.py', root, 'train_cfg = dict(max_iters=3)\n')]
    models, _ = resolve_models(None, configs)
    overlap_checks = []
    monkeypatch.setattr(preflight, 'check_split_overlap', overlap_checks.append)
    ran = []
    run_models(models, BenchmarkSettings(work_dir=str(tmp_path / 'bench'), seeds=[0, 1]),
               runner=lambda run: ran.append(run.name) or dict(
                   status='done', eval=dict(metrics=dict(mDice=1.0))),
               stream=io.StringIO(), check_data=True)
    assert len(ran) == 4 and len(overlap_checks) == 1   # 2 models x 2 seeds, one data set
    assert {key for key in overlap_checks[0]} == {
        'train_dataloader', 'val_dataloader', 'test_dataloader', 'allow_split_overlap'}
