"""The tiny panoptic config learns: it memorises four generated frames (PQ >= 70).

Model, tokenizer (instance-wise, S = 32) and pipeline are those of
configs/p2s_rle_ipsc_panoptic_tiny.py without the random flip; the frames are scored at
the 64 x 64 training size by PanopticQualityMetric.
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


def test_tiny_panoptic_config_memorises_instances(demo_root):
    cfg = load_config('configs/p2s_rle_ipsc_panoptic_tiny.py')
    pipeline = [t for t in cfg.train_dataloader.dataset.pipeline if t['type'] != 'RandomFlip']
    dataset = DATASETS.build(dict(cfg.train_dataloader.dataset, data_root=demo_root,
                                  pipeline=pipeline))
    batch = pseudo_collate([dataset[i] for i in (0, 9, 20, 30)])
    model = MODELS.build(cfg.model)
    optimizer = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=0.0)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, LR, total_steps=STEPS,
                                                   pct_start=0.1)
    model.train()
    for _ in range(STEPS):
        data = model.data_preprocessor(copy.deepcopy(batch), training=True)
        loss = model.loss(data['inputs'], data['data_samples'])['loss_ce']
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
    model.eval()
    data = model.data_preprocessor(copy.deepcopy(batch), training=False)
    for sample in data['data_samples']:          # score at the 64 x 64 training size
        sample.set_metainfo(dict(ori_shape=sample.metainfo['img_shape']))
    with torch.no_grad():
        predictions = model.predict(data['inputs'], data['data_samples'])
    for sample in predictions:
        instances = sample.pred_instances
        assert len(instances.scores) == sample.decode_report['num_groups'] > 0
        assert torch.all(instances.scores > 0.5)    # memorised: confident class tokens
    metric = METRICS.build(dict(type='PanopticQualityMetric', log_table=False))
    metric.dataset_meta = dataset.metainfo
    metric.process({}, [p.to_dict() for p in predictions])
    scores = metric.evaluate(len(predictions))
    assert scores['PQ'] >= 70.0 and scores['RQ'] >= 85.0, scores
