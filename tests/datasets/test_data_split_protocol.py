"""Three disjoint splits everywhere, cross-validation folds, and the overlap refusal."""
import copy
from pathlib import Path

import pytest
from mmengine.config import Config
from mmseg.registry import DATASETS

import rleseg  # noqa: F401  (registers the datasets and transforms)
from rleseg.datasets import DataError, generate_ipsc, prepare_nuclei
from rleseg.datasets.folds import FoldDataset, fold_dataset_cfgs, fold_of_groups, item_group
from rleseg.datasets.split_overlap import check_split_overlap, item_keys

REPO = Path(__file__).resolve().parents[2]
DATASETS_DIR = REPO / 'configs' / '_base_' / 'datasets'
LOAD = [dict(type='LoadImageFromFile'), dict(type='LoadSegAnnotations')]


@pytest.fixture(scope='module')
def nuclei_root(tmp_path_factory) -> str:
    return prepare_nuclei(str(tmp_path_factory.mktemp('data') / 'nuclei'))['root']


def _config(name: str, **roots) -> Config:
    cfg = Config.fromfile(DATASETS_DIR / f'{name}.py', import_custom_modules=False)
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        node = cfg[key].dataset
        while 'dataset' in node:   # wrapper: the data root is the wrapped dataset's
            node = node.dataset
        node.data_root = roots['data_root']
    return cfg


def _keys(cfg: Config, key: str) -> set:
    return item_keys(DATASETS.build(dict(cfg[key].dataset, pipeline=[])))


@pytest.mark.parametrize('name', ['nuclei', 'nuclei_panoptic'])
def test_nuclei_configs_have_three_disjoint_splits(name, nuclei_root):
    cfg = _config(name, data_root=nuclei_root)
    train, val, test = (_keys(cfg, f'{k}_dataloader') for k in ('train', 'val', 'test'))
    assert (len(train), len(val), len(test)) == (16, 8, 8)
    assert not train & val and not train & test and not val & test
    check_split_overlap(cfg)   # passes


@pytest.mark.parametrize('name', ['ipsc_demo', 'ipsc_panoptic_demo', 'ipsc_video_demo'])
def test_ipsc_demo_configs_validate_on_frames_4_to_7(name, ipsc_root):
    cfg = _config(name, data_root=ipsc_root)
    val, test = (_keys(cfg, f'{k}_dataloader') for k in ('val', 'test'))
    stems = lambda keys: sorted({Path(k).stem for k in keys})  # noqa: E731
    assert len(val) == len(test) == 12          # 3 sequences x 4 frames
    assert not val & test and not val & _keys(cfg, 'train_dataloader')
    # frame indices: test 0-3, val 4-7 of every sequence (stems sort by index)
    assert stems(test) != stems(val)
    check_split_overlap(cfg)


def test_aris_demo_config_trains_on_28_validates_on_4(aris_root):
    cfg = _config('aris_demo', data_root=aris_root)
    train, val, test = (_keys(cfg, f'{k}_dataloader') for k in ('train', 'val', 'test'))
    assert (len(train), len(val), len(test)) == (28, 4, 18)
    assert sorted(Path(k).stem for k in val) == ['img_29', 'img_30', 'img_31', 'img_32']
    check_split_overlap(cfg)


def test_overlapping_splits_are_refused_in_one_line_unless_allowed(nuclei_root):
    cfg = _config('nuclei', data_root=nuclei_root)
    cfg.val_dataloader.dataset.data_prefix = cfg.test_dataloader.dataset.data_prefix
    with pytest.raises(DataError) as error:
        check_split_overlap(cfg)
    message = str(error.value)
    assert '\n' not in message
    assert 'val_dataloader and test_dataloader share 8' in message
    assert 'nuclei_r0_c0.png' in message and 'allow_split_overlap' in message
    cfg.allow_split_overlap = True
    check_split_overlap(cfg)
    # training on test items is refused as well
    cfg = _config('nuclei', data_root=nuclei_root)
    cfg.train_dataloader.dataset.data_prefix = cfg.test_dataloader.dataset.data_prefix
    with pytest.raises(DataError, match='train_dataloader and test_dataloader share'):
        check_split_overlap(cfg)


def test_groups_are_cut_into_contiguous_balanced_folds():
    groups = [f'g{i}' for i in (10, 2, 1, 3, 4, 5, 6, 7, 8, 9)]
    folds = fold_of_groups(groups, 3)
    # natural order g1 < g2 < ... < g10, contiguous blocks of 3 / 3 / 4 (or 4 / 3 / 3)
    order = [folds[f'g{i}'] for i in range(1, 11)]
    assert order == sorted(order) and sorted(set(order)) == [0, 1, 2]
    assert sorted(order.count(f) for f in range(3)) == [3, 3, 4]
    with pytest.raises(DataError, match='2 groups of items cannot fill 3 folds'):
        fold_of_groups(['a', 'b'], 3)
    assert item_group({'img_path': 'x/seq1/f3.png', 'sequence': 'seq1'}) == 'seq1'
    assert item_group({'img_path': 'x/tile7_p3.png'}, r'(tile\d+)_p\d+') == 'tile7'
    with pytest.raises(DataError, match='does not match the item'):
        item_group({'img_path': 'x/other.png'}, r'(tile\d+)_p\d+')


def test_folds_partition_training_items_and_leave_test_alone(nuclei_root):
    cfg = _config('nuclei', data_root=nuclei_root)
    train_items = _keys(cfg, 'train_dataloader')
    seen_val = []
    for fold in range(4):
        train_cfg, val_cfg = fold_dataset_cfgs(cfg.train_dataloader.dataset,
                                               cfg.val_dataloader.dataset, 4, fold)
        train, val = DATASETS.build(train_cfg), DATASETS.build(val_cfg)
        assert isinstance(train, FoldDataset) and isinstance(val, FoldDataset)
        keys_train, keys_val = item_keys(train), item_keys(val)
        assert keys_train | keys_val == train_items and not keys_train & keys_val
        assert len(keys_val) == 4
        seen_val.append(keys_val)
        # the training role runs the training pipeline, the val role the test pipeline
        names = lambda ds: [type(t).__name__ for t in ds.pipeline.transforms]  # noqa
        assert names(val) == names(DATASETS.build(cfg.val_dataloader.dataset))
        assert names(train) == names(DATASETS.build(cfg.train_dataloader.dataset))
        assert names(train) != names(val)
        assert tuple(val[0]['inputs'].shape) == (3, 64, 64)
        fold_cfg = copy.deepcopy(cfg)
        fold_cfg.train_dataloader.dataset, fold_cfg.val_dataloader.dataset = train_cfg, val_cfg
        check_split_overlap(fold_cfg)     # train / val / test still disjoint
    # every training item is validated exactly once over the folds
    assert sorted(k for keys in seen_val for k in keys) == sorted(train_items)


def test_folds_of_video_windows_keep_sequences_whole(tmp_path):
    root = tmp_path / 'ipsc'
    generate_ipsc(str(root), num_sequences=3, num_frames=8, xml_only=(),
                  split_ranges={'test': (0, 2), 'val': (2, 4), 'train_late': (4, 8)})
    cfg = _config('ipsc_video_demo', data_root=str(root))
    cfg.train_dataloader.dataset.window = cfg.val_dataloader.dataset.window = 2
    cfg.val_dataloader.dataset.stride = 2
    train_cfg, val_cfg = fold_dataset_cfgs(cfg.train_dataloader.dataset,
                                           cfg.val_dataloader.dataset, 3, 1)
    assert train_cfg['type'] == val_cfg['type'] == 'VideoWindowDataset'
    assert val_cfg['stride'] == 2 and train_cfg['stride'] == 1
    train, val = DATASETS.build(train_cfg), DATASETS.build(val_cfg)
    sequences = lambda ds: {ds.get_data_info(i)['sequence'] for i in range(len(ds))}  # noqa
    assert len(sequences(val)) == 1 and len(sequences(train)) == 2
    assert not sequences(train) & sequences(val)
