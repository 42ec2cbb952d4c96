"""Your own instances in one command: a folder dataset written here (a few 64 x 64
images of separate discs, their class maps and instance-id maps in ``inst_dir``) through
``--dataset ... --suite panoptic-paradigms``: the dataset config is made panoptic, the
instance-token model is the shipped one but for what the data derives (mask grid, L and
the instance cap, by the panoptic token ceiling PQ, printed), next to mmdet's instance
models and the semantic models' connected components; a bad folder is refused in one
line."""
import io
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.optim import OptimWrapper
from mmengine.runner import Runner
from mmseg.registry import MODELS

from rleseg.benchmark import resolve_models
from rleseg.benchmark.compose import Budget, compose_paradigms, training_dataset
from rleseg.benchmark.derive import ceiling_pq, derive_panoptic_tokenizer
from rleseg.engine import apply_train_options, load_config
from rleseg.tokenizers import build_tokenizer

REPO = Path(__file__).resolve().parents[2]
PARADIGMS = ('p2s_rle_panoptic', 'maskrcnn', 'mask2former_instance', 'unet', 'mask2former')
SIZE = 64
#: Discs per image of each split (the most, 4, is in a training image).
DISCS = {'train': (2, 4, 3, 1, 3, 2), 'val': (3, 2), 'test': (2, 3)}
#: What the data derives in the composed token model; everything else is the shipped
#: instance-token model's.
DERIVED = {('tokenizer', 'num_classes'), ('tokenizer', 'mask_size'),
           ('tokenizer', 'subsample', 'factor'), ('tokenizer', 'max_length'),
           ('tokenizer', 'max_seq_len'), ('tokenizer', 'max_instances'),
           ('data_preprocessor', 'size'), ('test_cfg', 'crop_size'), ('test_cfg', 'stride')}
#: The shipped instance-token model the composed one starts from.
SHIPPED = Config.fromfile(str(REPO / 'configs/p2s_rle_nuclei_panoptic_tiny.py')).model


def _discs(count: int, rng: np.random.Generator) -> np.ndarray:
    """(64, 64) instance ids 1..count of separate discs (radius 8-11) in ``count`` of the
    four quarters, centres jittered by 3 px (at least 4 px between discs)."""
    yy, xx = np.mgrid[:SIZE, :SIZE]
    inst = np.zeros((SIZE, SIZE), np.uint16)
    for index, quarter in enumerate(rng.permutation(4)[:count]):
        cy, cx = 16 + 32 * np.array([quarter // 2, quarter % 2]) + rng.uniform(-3, 3, 2)
        inst[(yy - cy) ** 2 + (xx - cx) ** 2 <= rng.uniform(8, 11) ** 2] = index + 1
    return inst


def _write_folder(root: Path, inst_size: int = SIZE) -> None:
    rng = np.random.default_rng(0)
    for split, counts in DISCS.items():
        for index, count in enumerate(counts):
            inst = _discs(count, rng)
            label = (inst > 0).astype(np.uint8)
            image = (40 + 150 * label + rng.normal(0, 10, label.shape)).clip(0, 255)
            inst = cv2.resize(inst, (inst_size, inst_size), interpolation=cv2.INTER_NEAREST)
            for folder, array in (('img_dir', image.astype(np.uint8)), ('ann_dir', label),
                                  ('inst_dir', inst)):
                path = root / folder / split / f'cell_{index}.png'
                path.parent.mkdir(parents=True, exist_ok=True)
                cv2.imwrite(str(path), array)


def _config(path: Path, root: Path, instances: bool = True) -> Path:
    """The folder template (classes background / foreground) on ``root``, with
    inst_dir (or without)."""
    prefixes = ''.join(
        f"{split}_prefix = dict(img_path='img_dir/{split}', seg_map_path='ann_dir/{split}'"
        + (f", inst_map_path='inst_dir/{split}'" if instances else '') + ')\n'
        for split in ('train', 'val', 'test'))
    loaders = ''.join(
        f'{split}_dataloader = dict(num_workers=0, persistent_workers=False,\n'
        f'    dataset=dict(data_root={str(root)!r}, data_prefix={split}_prefix))\n'
        for split in ('train', 'val', 'test'))
    path.write_text(f"_base_ = [{str(REPO / 'configs/_base_/datasets/folder.py')!r}]\n"
                    f'{prefixes}{loaders}')
    return path


@pytest.fixture
def cells(tmp_path) -> Path:
    root = tmp_path / 'cells'
    _write_folder(root)
    return _config(tmp_path / 'cells.py', root)


def test_the_panoptic_ceiling_counts_merged_instances():
    """Two discs one pixel apart merge on a coarse grid: the ceiling PQ says so."""
    yy, xx = np.mgrid[:SIZE, :SIZE]
    inst = np.zeros((SIZE, SIZE), np.int64)
    inst[(yy - 20) ** 2 + (xx - 20) ** 2 <= 36] = 1
    inst[(yy - 20) ** 2 + (xx - 33) ** 2 <= 36] = 2       # 1 px gap between the discs
    inst[(yy - 45) ** 2 + (xx - 45) ** 2 <= 64] = 3
    mask = (inst > 0).astype(np.int64)
    base = dict(scheme='instance', num_classes=2, max_seq_len=512)
    fine = build_tokenizer(dict(base, mask_size=SIZE))
    coarse = build_tokenizer(dict(base, mask_size=8, subsample=dict(factor=8)))
    assert ceiling_pq(fine, [mask], [inst], 2) == pytest.approx(100.0)
    assert ceiling_pq(coarse, [mask], [inst], 2) < 100.0 * 2 / 3   # the pair merges
    derived = derive_panoptic_tokenizer([mask], [inst], 2, min_ceiling_pq=99.0,
                                        factors=(8, 1))
    assert derived.chosen.mask_size == SIZE and derived.metric == 'PQ'
    assert derived.tokenizer['max_instances'] == 6            # 2 x the 3 discs
    assert derived.notes == ['max_instances = 6 (2 x 3; the most instances in one '
                             'training mask at S = 64: 3)']
    with pytest.raises(ValueError, match='instance map'):
        derive_panoptic_tokenizer([mask], [inst[:32]], 2)


def test_a_folder_with_instances_composes_every_panoptic_paradigm(cells, tmp_path,
                                                                  config_leaves):
    """The whole suite composed with the derivation printed; the composed token model
    trains end to end for 2 iterations and is scored by PQ."""
    stream = io.StringIO()
    specs = compose_paradigms(str(cells), str(tmp_path / 'configs'), PARADIGMS,
                              budget=Budget(steps=0), stream=stream, kind='panoptic')
    lines = stream.getvalue().splitlines()
    assert lines[0] == ('token model tokenizer derived from 6 training masks (instance, '
                        f'starts {SHIPPED.tokenizer.starts}):')
    rows = [line for line in lines if 'ceiling PQ' in line]
    assert [int(r.split('S = ')[1].split()[0]) for r in rows] == [4, 8, 16, 32, 64]
    (chosen,) = [r for r in rows if r.lstrip().startswith('->')]
    assert float(chosen.split('ceiling PQ')[1].split()[0]) >= 90.0     # the default
    assert all(float(r.split('ceiling PQ')[1].split()[0]) < 90.0
               for r in rows[:rows.index(chosen)])                    # the coarsest
    # the cap: twice the most instances in one training instance map (4 discs)
    assert lines[-1] == ('  max_instances = 8 (2 x 4; the most instances in one training '
                         'instance map: 4)')
    assert [s.name for s in specs] == [f'{p}_cells' for p in PARADIGMS]
    for spec in specs:
        cfg = Config.fromfile(spec.config)
        for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
            steps = {step['type']: step for step in cfg[key].dataset.pipeline}
            assert steps['LoadSegAnnotations']['with_instances']
            assert 'PackRLESegInputs' in steps and 'PackSegInputs' not in steps
        assert [m['type'] for m in cfg.test_evaluator] == ['PerClassSegMetric',
                                                          'PanopticQualityMetric']
    token = Config.fromfile(specs[0].config).model
    ours, theirs = config_leaves(token.to_dict()), config_leaves(SHIPPED.to_dict())
    assert ours.keys() == theirs.keys()
    assert {key for key in ours if ours[key] != theirs[key]} <= DERIVED
    assert token.tokenizer.max_instances == 8
    assert token.tokenizer.mask_size * token.tokenizer.subsample.factor == SIZE
    maskrcnn = Config.fromfile(specs[1].config).model.detector.roi_head
    assert maskrcnn.bbox_head.num_classes == maskrcnn.mask_head.num_classes == 1
    head = Config.fromfile(specs[2].config).model.detector.panoptic_head
    assert head.num_things_classes == 1 and head.loss_cls.class_weight == [1.0, 0.1]
    for spec in specs[1:]:                         # every baseline takes a training step
        cfg = Config.fromfile(spec.config)
        batch = pseudo_collate([training_dataset(cfg)[i] for i in (0, 1)])
        torch.manual_seed(0)
        model = MODELS.build(cfg.model)
        before = [p.detach().clone() for p in model.parameters()]
        log = model.train_step(batch, OptimWrapper(torch.optim.AdamW(model.parameters())))
        assert np.isfinite(float(log['loss'])), spec.name
        assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters()))

    options = {'train_cfg.max_iters': 2, 'train_cfg.val_interval': 2,
               'default_hooks.checkpoint.interval': 2, 'default_hooks.logger.interval': 1,
               'param_scheduler': [dict(type='ConstantLR', factor=1.0, by_epoch=False)]}
    runner = Runner.from_cfg(apply_train_options(load_config(
        specs[0].config, options, str(tmp_path / 'work'))))
    runner.train()
    metrics = runner.test()
    assert metrics['pq_num_images'] == metrics['num_images'] == 2
    assert 0.0 <= metrics['PQ'] <= 100.0
    assert metrics['TP_foreground'] + metrics['FN_foreground'] == sum(DISCS['test'])


def test_panoptic_paradigms_need_instance_maps(tmp_path, benchmark_tool, capsys):
    root = tmp_path / 'cells'
    _write_folder(root)
    config = _config(tmp_path / 'cells.py', root, instances=False)
    with pytest.raises(SystemExit) as exit_info:
        benchmark_tool.main(['--dataset', str(config), '--suite', 'panoptic-paradigms',
                             '--work-dir', str(tmp_path / 'bench')])
    err = capsys.readouterr().err.strip().splitlines()
    assert exit_info.value.code == 1 and len(err) == 1
    assert str(config) in err[0] and 'train_dataloader.dataset.data_prefix has no ' \
        'inst_map_path' in err[0]
    with pytest.raises(Exception, match='give it with --dataset'):
        resolve_models('panoptic-paradigms')


@pytest.mark.parametrize('fault', ['missing', 'size'])
def test_a_bad_instance_folder_is_refused_in_one_line(fault, tmp_path, benchmark_tool,
                                                      capsys):
    root = tmp_path / 'cells'
    _write_folder(root, inst_size=48 if fault == 'size' else SIZE)
    if fault == 'missing':
        shutil.rmtree(root / 'inst_dir' / 'train')
    config = _config(tmp_path / 'cells.py', root)
    with pytest.raises(SystemExit) as exit_info:
        benchmark_tool.main(['--dataset', str(config), '--suite', 'panoptic-paradigms',
                             '--work-dir', str(tmp_path / 'bench')])
    err = capsys.readouterr().err.strip().splitlines()
    assert exit_info.value.code == 1 and len(err) == 1
    expected = ('inst_dir/train (inst_map_path) does not exist' if fault == 'missing' else
                'inst_dir/train/cell_0.png is 48x48 but its image is 64x64')
    assert expected in err[0] and str(config) in err[0]
