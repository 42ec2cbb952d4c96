"""mmdet instance models as rleseg panoptic baselines (rleseg/models/detector_segmentor.py):
the ground truth -> mmdet instances -> painted maps conversions on a hand-made example,
one training step of the tiny Mask R-CNN and Mask2Former on a folder dataset written
here, their predictions scored by PanopticQualityMetric, a runner checkpoint that loads
with weights_only=True, and bad input in one line."""
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.evaluator import Evaluator
from mmengine.optim import OptimWrapper
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmseg.registry import DATASETS, MODELS

import rleseg  # noqa: F401  (registers the models, datasets, transforms and metrics)
from rleseg.engine import load_checkpoint_safely, load_config
from rleseg.engine.config_checks import ConfigError, model_class_counts
from rleseg.models.detector_segmentor import instances_from_maps, paint_instances
from rleseg.tokenizers import INSTANCE_OFFSET

REPO = Path(__file__).resolve().parents[2]
MODELS_ = ('maskrcnn', 'mask2former_instance')
DATASETS_ = ('nuclei', 'hela')

init_default_scope('mmseg')


def _hand_made() -> tuple[np.ndarray, np.ndarray]:
    """A 3-class 8 x 10 example: instance 1 (class 1) with a void pixel, instance 4
    (class 2), instance 7 (class 1, one pixel), an id on background only (9)."""
    sem = np.zeros((8, 10), np.uint8)
    inst = np.zeros((8, 10), np.int64)
    inst[1:3, 1:4], sem[1:3, 1:4] = 1, 1
    sem[2, 3] = 255                                   # void inside instance 1
    inst[4:7, 5:9], sem[4:7, 5:9] = 4, 2
    inst[0, 9], sem[0, 9] = 7, 1
    inst[7, 0] = 9                                    # an id on background pixels
    return sem, inst


def test_ground_truth_maps_become_mmdet_instances():
    sem, inst = _hand_made()
    gt = instances_from_maps(sem, inst)
    assert gt.labels.tolist() == [0, 1, 0]            # class - 1, ids 1, 4, 7
    assert gt.bboxes.tolist() == [[1, 1, 4, 3], [5, 4, 9, 7], [9, 0, 10, 1]]
    masks = gt.masks.to_ndarray().astype(bool)
    assert masks.shape == (3, 8, 10)
    expected = [(inst == i) & (sem != 255) for i in (1, 4, 7)]
    assert all(np.array_equal(m, e) for m, e in zip(masks, expected))
    assert not masks[0][2, 3]                         # void left out

    empty = instances_from_maps(np.zeros((4, 4)), np.zeros((4, 4)))
    assert len(empty) == 0 and empty.bboxes.shape == (0, 4)
    assert empty.masks.to_ndarray().shape == (0, 4, 4)


def test_painting_the_ground_truth_instances_gives_them_back_exactly():
    sem, inst = _hand_made()
    gt = instances_from_maps(sem, inst)
    masks = torch.from_numpy(gt.masks.to_ndarray().astype(bool))
    scores = torch.tensor([0.6, 0.9, 0.7])
    semantic, ids, classes, kept = paint_instances(masks, gt.labels, scores, 0.5)
    # ids follow descending score: instance 4 -> 1, 7 -> 2, 1 -> 3
    expected_ids = np.zeros_like(inst)
    for new, old in enumerate((4, 7, 1), start=1):
        expected_ids[(inst == old) & (sem != 255)] = new
    assert np.array_equal(ids.numpy(), expected_ids)
    assert np.array_equal(semantic.numpy(), np.where(expected_ids > 0, sem, 0))
    assert classes.tolist() == [2, 1, 1]
    assert kept.tolist() == pytest.approx([0.9, 0.7, 0.6])


def test_painting_resolves_overlaps_by_score_and_drops_low_scores():
    masks = torch.zeros((4, 6, 6), dtype=torch.bool)
    masks[0, 0:4, 0:4] = True                         # score 0.8
    masks[1, 2:6, 2:6] = True                         # score 0.9: wins the overlap
    masks[2, 3:5, 3:5] = True                         # inside instance 1: nothing left
    masks[3, 0:2, 4:6] = True                         # below the threshold
    semantic, ids, classes, kept = paint_instances(
        masks, torch.tensor([0, 1, 0, 0]), torch.tensor([0.8, 0.9, 0.85, 0.2]), 0.5)
    assert kept.tolist() == pytest.approx([0.9, 0.8])
    assert classes.tolist() == [2, 1]
    assert (ids[2:6, 2:6] == 1).all() and (semantic[2:6, 2:6] == 2).all()
    assert int((ids == 2).sum()) == 16 - 4            # instance 0 minus the overlap
    assert (ids[0:2, 4:6] == 0).all() and (semantic[0:2, 4:6] == 0).all()


def _write_nuclei_folder(root: Path) -> None:
    """A folder dataset of 64 x 64 images with 2-4 separate bright discs each: class
    map (0 / 1) and instance ids."""
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:64, :64]
    for split, count in (('train', 4), ('val', 2), ('test', 2)):
        for index in range(count):
            sem = np.zeros((64, 64), np.uint8)
            inst = np.zeros((64, 64), np.uint16)
            for disc, (cy, cx) in enumerate([(14, 14), (14, 48), (48, 30), (48, 52)]
                                            [:2 + index % 3], start=1):
                inside = (yy - cy) ** 2 + (xx - cx) ** 2 <= rng.uniform(5, 9) ** 2
                sem[inside], inst[inside] = 1, disc
            image = (40 + 150 * sem + rng.normal(0, 10, sem.shape)).clip(0, 255)
            for folder, array in (('img_dir', image.astype(np.uint8)), ('ann_dir', sem),
                                  ('inst_dir', inst)):
                path = root / folder / split / f'cells_{index}.png'
                path.parent.mkdir(parents=True, exist_ok=True)
                cv2.imwrite(str(path), array)


@pytest.fixture(scope='module')
def folder(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp('instances')
    _write_nuclei_folder(root)
    return root


def _config(model: str, root: Path) -> Config:
    """The model's nuclei config reading the folder dataset at ``root``."""
    cfg = load_config(str(REPO / 'configs' / f'{model}_nuclei_panoptic_tiny.py'))
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[key].dataset.data_root = str(root)
    return cfg


@pytest.mark.parametrize('model', MODELS_)
def test_instance_model_takes_a_step_and_is_scored_for_pq(model, folder):
    cfg = _config(model, folder)
    torch.manual_seed(0)
    net = MODELS.build(cfg.model)
    net.train()
    before = [p.detach().clone() for p in net.parameters()]
    optim = OptimWrapper(torch.optim.AdamW(net.parameters(), lr=1e-3))
    train_set = DATASETS.build(cfg.train_dataloader.dataset)
    log = net.train_step(pseudo_collate([train_set[i] for i in range(2)]), optim)
    assert np.isfinite(float(torch.as_tensor(log['loss']).detach()))
    assert any(not torch.equal(a, b.detach()) for a, b in zip(before, net.parameters()))

    net.eval()
    test_set = DATASETS.build(cfg.test_dataloader.dataset)
    batch = pseudo_collate([test_set[i] for i in range(len(test_set))])
    with torch.no_grad():
        outputs = net.test_step(batch)
    for sample in outputs:
        sem, ids = sample.pred_sem_seg.data[0], sample.pred_instance_map.data[0]
        assert sem.shape == ids.shape == (64, 64)
        assert torch.equal(sample.pred_panoptic_seg.sem_seg[0],
                           sem + ids * INSTANCE_OFFSET)
        pred = sample.pred_instances
        assert pred.masks.shape == (len(pred), 64, 64)
        assert ((pred.labels >= 1) & (pred.labels < 2)).all()
        assert (pred.scores >= net.score_thr).all()
        assert torch.equal((ids > 0), pred.masks.any(0))
    evaluator = Evaluator(cfg.test_evaluator)
    evaluator.dataset_meta = test_set.metainfo
    evaluator.process(outputs, batch)
    metrics = evaluator.evaluate(len(test_set))
    assert metrics['pq_num_images'] == len(test_set)
    nuclei = sum(len(np.unique(s.gt_instance_map.data)) - 1 for s in batch['data_samples'])
    assert metrics['TP_nucleus'] + metrics['FN_nucleus'] == nuclei
    predicted = sum(len(s.pred_instances) for s in outputs)
    assert metrics['TP_nucleus'] + metrics['FP_nucleus'] == predicted


def test_painted_ground_truth_scores_full_pq(folder):
    """The metric reads the painted fields: the ground truth's own instances, painted
    as a perfect prediction, score PQ 100."""
    cfg = _config('maskrcnn', folder)
    test_set = DATASETS.build(cfg.test_dataloader.dataset)
    batch = pseudo_collate([test_set[i] for i in range(len(test_set))])
    for sample in batch['data_samples']:
        gt = instances_from_maps(sample.gt_sem_seg.data[0].numpy(),
                                 sample.gt_instance_map.data[0].numpy())
        masks = torch.from_numpy(gt.masks.to_ndarray().astype(bool))
        semantic, ids, _, _ = paint_instances(masks, gt.labels,
                                              torch.ones(len(gt)), 0.5)
        sample.pred_sem_seg = type(sample.gt_sem_seg)(data=semantic[None])
        sample.pred_instance_map = type(sample.gt_sem_seg)(data=ids[None])
    evaluator = Evaluator(cfg.test_evaluator)
    evaluator.dataset_meta = test_set.metainfo
    evaluator.process(batch['data_samples'], batch)
    metrics = evaluator.evaluate(len(test_set))
    assert metrics['PQ'] == pytest.approx(100.0) and metrics['FP_nucleus'] == 0


def test_runner_checkpoint_loads_with_weights_only(folder, tmp_path):
    cfg = _config('mask2former_instance', folder)
    cfg.work_dir = str(tmp_path / 'work')
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=1, val_interval=10)
    cfg.param_scheduler = []
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', by_epoch=False, interval=1)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    runner = Runner.from_cfg(cfg)
    runner.train()
    checkpoint = load_checkpoint_safely(str(tmp_path / 'work' / 'iter_1.pth'))
    fresh = MODELS.build(cfg.model)
    fresh.load_state_dict(checkpoint['state_dict'], strict=True)
    trained = runner.model.state_dict()
    assert all(torch.equal(value, trained[key]) for key, value in fresh.state_dict().items())


@pytest.mark.parametrize('dataset', DATASETS_)
@pytest.mark.parametrize('model', MODELS_)
def test_configs_count_the_background_with_the_dataset(model, dataset):
    cfg = load_config(str(REPO / 'configs' / f'{model}_{dataset}_panoptic_tiny.py'))
    assert cfg.model.type == 'DetectorSegmentor'
    counts = dict(model_class_counts(MODELS.build(cfg.model)))
    assert counts and set(counts.values()) == {len(cfg.metainfo['classes'])}
    assert not any('rpn_head' in where for where in counts)
    if dataset == 'hela':
        assert cfg.train_dataloader.dataset.data_root == 'data/hela_video'


def test_class_count_mismatch_is_one_line(folder):
    cfg = _config('maskrcnn', folder)
    cfg.model.detector.roi_head.bbox_head.num_classes = 2
    cfg.work_dir = str(folder / 'unused')
    from rleseg.engine.config_checks import ClassCountHook
    runner = Runner.from_cfg(cfg)
    with pytest.raises(ConfigError) as error:
        ClassCountHook().before_train(runner)
    message = str(error.value)
    assert '\n' not in message
    assert 'model.detector.roi_head.bbox_head.num_classes + 1 (background) = 3' in message


def test_a_detector_config_that_is_not_mmdet_is_refused_in_one_line():
    cfg = load_config(str(REPO / 'configs' / 'maskrcnn_nuclei_panoptic_tiny.py'))
    cfg.model.detector = dict(type='EncoderDecoder', backbone=dict(type='ResNetV1c'))
    with pytest.raises(TypeError) as error:
        MODELS.build(cfg.model)
    message = str(error.value)
    assert '\n' not in message
    assert "model.detector.type 'EncoderDecoder' is not an mmdet detector" in message


def test_a_sample_without_instance_map_is_refused_in_one_line(folder):
    cfg = _config('maskrcnn', folder)
    net = MODELS.build(cfg.model)
    train_set = DATASETS.build(cfg.train_dataloader.dataset)
    batch = pseudo_collate([train_set[0]])
    del batch['data_samples'][0].gt_instance_map
    data = net.data_preprocessor(batch, training=True)
    with pytest.raises(KeyError) as error:
        net.loss(data['inputs'], data['data_samples'])
    message = error.value.args[0]
    assert '\n' not in message
    assert 'cells_0.png has no gt_instance_map' in message
    assert 'LoadSegAnnotations(with_instances=True)' in message


@pytest.mark.parametrize('model', MODELS_)
def test_tensor_mode_and_predict_without_samples(model):
    cfg = load_config(str(REPO / 'configs' / f'{model}_nuclei_panoptic_tiny.py'))
    net = MODELS.build(cfg.model).eval()
    images = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        assert isinstance(net(images, mode='tensor'), tuple)
        samples = net(images, mode='predict')
    assert [tuple(s.pred_instance_map.shape) for s in samples] == [(64, 64)] * 2
    with pytest.raises(NotImplementedError, match='predicts instances, not class scores'):
        net.encode_decode(images, samples)
