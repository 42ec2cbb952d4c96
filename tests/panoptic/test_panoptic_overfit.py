"""The tiny panoptic config learns: it memorises four generated frames (PQ >= 70).

Model, tokenizer (instance-wise, S = 32) and pipeline are those of
configs/p2s_rle_ipsc_panoptic_tiny.py without the random flip and without the coordinate /
run-end pointers (they need the mask-grid memory, which memorisation tests switch off);
the frames are scored at the 64 x 64 training size by PanopticQualityMetric.
"""
import copy

import torch
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS, METRICS, MODELS

import rleseg  # noqa: F401
from rleseg.engine import load_config

init_default_scope('mmseg')
STEPS, LR = 300, 3e-3


def test_tiny_panoptic_config_memorises_instances(demo_root, memorise,
                                                 without_regularisation):
    cfg = load_config('configs/p2s_rle_ipsc_panoptic_tiny.py')
    pipeline = [t for t in cfg.train_dataloader.dataset.pipeline if t['type'] != 'RandomFlip']
    dataset = DATASETS.build(dict(cfg.train_dataloader.dataset, data_root=demo_root,
                                  pipeline=pipeline))
    batch = pseudo_collate([dataset[i] for i in (0, 9, 20, 30)])
    without_regularisation(cfg.model)
    cfg.model.update(coordinate_pointer=False, length_pointer=False)
    model = MODELS.build(cfg.model)
    memorise(model, batch, STEPS, LR)
    data = model.data_preprocessor(copy.deepcopy(batch), training=False)
    for sample in data['data_samples']:          # score at the 64 x 64 training size
        sample.set_metainfo(dict(ori_shape=sample.metainfo['img_shape']))
    with torch.no_grad():
        predictions = model.predict(data['inputs'], data['data_samples'])
    for sample in predictions:
        instances = sample.pred_instances
        assert len(instances.scores) == sample.decode_report['num_groups'] > 0
        assert torch.all(instances.scores > 0.5)    # memorised: confident tokens
    metric = METRICS.build(dict(type='PanopticQualityMetric', log_table=False))
    metric.dataset_meta = dataset.metainfo
    metric.process({}, [p.to_dict() for p in predictions])
    scores = metric.evaluate(len(predictions))
    assert scores['PQ'] >= 70.0 and scores['RQ'] >= 85.0, scores
