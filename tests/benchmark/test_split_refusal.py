"""A benchmark refuses a config whose splits share items before anything trains: the
grid's data check (once per grid, after each run's fold is applied), not each run's
config."""
from pathlib import Path

import pytest

from rleseg.benchmark.preflight import check_grid_data
from rleseg.benchmark.run_config import build_benchmark_config
from rleseg.benchmark.settings import RunSpec
from rleseg.datasets import DataError, prepare_nuclei

REPO = Path(__file__).resolve().parents[2]


def _config(tmp_path: Path, root: str, val_prefix: str, extra: str = '') -> str:
    path = tmp_path / 'unet_overlap.py'
    path.write_text(
        f"_base_ = [{str(REPO / 'configs/unet_nuclei_tiny.py')!r}]\n"
        f'data_root = {root!r}\n'
        f'train_dataloader = dict(dataset=dict(data_root=data_root))\n'
        f'val_dataloader = dict(dataset=dict(data_root=data_root, data_prefix=dict(\n'
        f'    img_path="img_dir/{val_prefix}", seg_map_path="ann_dir/{val_prefix}",\n'
        f'    inst_map_path="inst_dir/{val_prefix}")))\n'
        f'test_dataloader = dict(dataset=dict(data_root=data_root))\n{extra}')
    return str(path)


def test_val_equal_to_test_is_refused_unless_the_config_allows_it(tmp_path):
    root = prepare_nuclei(str(tmp_path / 'nuclei'))['root']
    config = _config(tmp_path, root, 'test')
    run = RunSpec(name='unet_overlap', config=config, work_dir=str(tmp_path / 'bench'))
    with pytest.raises(DataError, match=f'{config}: val_dataloader and test_dataloader '
                       'share 8'):
        check_grid_data([run])
    # the run's own config no longer repeats the check (it ran once, for the grid)
    assert build_benchmark_config(run, iters=2).train_cfg.max_iters == 2
    allowed = RunSpec(name='unet_overlap',
                      config=_config(tmp_path, root, 'test', 'allow_split_overlap = True\n'),
                      work_dir=str(tmp_path / 'bench'))
    check_grid_data([allowed])
    # the shipped split passes, and a fold run validates on training items only
    fine = RunSpec(name='unet_overlap', config=_config(tmp_path, root, 'val'),
                   work_dir=str(tmp_path / 'bench'), fold=1, num_folds=4)
    check_grid_data([fine])
    assert build_benchmark_config(fine, iters=2).train_cfg.max_iters == 2
