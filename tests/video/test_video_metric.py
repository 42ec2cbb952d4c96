"""VideoFrameMetric: overlapping windows are merged and every frame is scored once."""
import copy
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS, METRICS

import rleseg  # noqa: F401
from rleseg.datasets import generate_ipsc
from rleseg.evaluation import PerClassSegMetric

REPO = Path(__file__).resolve().parents[2]
CLASSES = ('background', 'ipsc', 'diff')
init_default_scope('mmseg')


def _window(sequence, frames, pred, gt, report=None, gt_tokens=None):
    sample = dict(sequence=sequence, frame_ids=list(frames),
                  pred_sem_seg=dict(data=torch.as_tensor(pred)),
                  gt_sem_seg=dict(data=torch.as_tensor(gt)))
    if report is not None:
        sample['decode_report'] = report
    if gt_tokens is not None:                    # padded with id 0, as packed
        sample['gt_tokens'] = torch.tensor([7] * gt_tokens + [0] * 4)
        sample['token_stats'] = dict(num_tokens=gt_tokens, truncated=int(gt_tokens > 60))
    return sample


def _metric(**kwargs):
    metric = METRICS.build(dict(type='VideoFrameMetric',
                                metric=dict(type='PerClassSegMetric', log_table=False),
                                **kwargs))
    metric.dataset_meta = dict(classes=CLASSES)
    return metric


def _frame_scores(preds, gts):
    """What PerClassSegMetric says about these frames scored as images."""
    metric = PerClassSegMetric(log_table=False)
    metric.dataset_meta = dict(classes=CLASSES)
    metric.process({}, [dict(pred_sem_seg=dict(data=torch.as_tensor(p)[None]),
                             gt_sem_seg=dict(data=torch.as_tensor(g)[None]))
                        for p, g in zip(preds, gts)])
    return metric.evaluate(len(preds))


@pytest.mark.parametrize('merge', ['max', 'min', 'mode'])
def test_overlapping_windows_merge_and_score_each_frame_once(merge):
    rng = np.random.default_rng(0)
    gts = rng.integers(0, 3, (6, 8, 8))                  # sequence 'a', frames 0..5
    other = rng.integers(0, 3, (4, 8, 8))                # sequence 'b', frames 0..3
    wrong = np.zeros((2, 8, 8), np.int64)
    windows = [  # window 4, stride 2: frames 2 and 3 are predicted twice
        _window('a', range(0, 4), gts[0:4], gts[0:4], dict(num_tokens=40, num_runs=12,
                                                          num_dropped_tokens=0,
                                                          truncated=0), gt_tokens=36),
        _window('a', range(2, 6), np.concatenate([wrong, gts[4:6]]), gts[2:6],
                dict(num_tokens=80, num_runs=20, num_dropped_tokens=2, truncated=1),
                gt_tokens=64),
        _window('b', range(0, 4), other, other, dict(num_tokens=20, num_runs=5,
                                                    num_dropped_tokens=0, truncated=0),
                gt_tokens=8),
    ]
    metric = _metric(merge=merge)
    metric.process({}, windows)
    out = metric.evaluate(len(windows))          # size = number of windows: nothing cut
    merged = gts.copy()
    if merge == 'min':
        merged[2:4] = 0
    elif merge == 'mode':                        # a tie: the smaller class id wins
        merged[2:4] = 0
    expected = _frame_scores(list(merged) + list(other), list(gts) + list(other))
    assert out['num_images'] == out['num_frames'] == 10 and out['num_windows'] == 3
    assert out['predictions_per_frame'] == pytest.approx(12 / 10)
    for key in ('mDice', 'mIoU', 'Dice_ipsc', 'dataset_mDice', 'aAcc'):
        assert out[key] == pytest.approx(expected[key])
    assert out['seq_tokens_per_image'] == pytest.approx(140 / 3)     # per window
    assert out['seq_tokens_per_frame'] == pytest.approx((10 + 20 + 5) / 3)
    assert out['seq_truncated_pct'] == pytest.approx(100 / 3)
    assert out['seq_gt_tokens_per_image'] == pytest.approx(36)           # per window
    assert out['seq_gt_tokens_per_frame'] == pytest.approx((9 + 16 + 2) / 3)
    assert out['seq_gt_truncated_pct'] == pytest.approx(100 / 3)


def test_frames_of_the_test_split_are_the_image_models_frames(tmp_path):
    """The tiny video config's test windows, with stride < window, cover the same frames
    as the image test split, each scored once; ground truth as prediction -> 100."""
    root = tmp_path / 'ipsc'
    generate_ipsc(str(root), num_sequences=2, num_frames=10, xml_only=(1,),
                  split_ranges={'test': (0, 7), 'train': (7, 10)})
    cfg = Config.fromfile(REPO / 'configs/p2s_rle_ipsc_video_tiny.py')
    ds_cfg = copy.deepcopy(cfg.test_dataloader.dataset)
    ds_cfg.dataset.data_root = str(root)
    ds_cfg.stride = 2
    windows = DATASETS.build(ds_cfg)
    images = DATASETS.build(dict(type='IPSCDataset', data_root=str(root),
                                 ann_file='splits/test.txt'))
    assert len(windows) == 6                      # starts 0, 2, 3 (end-aligned) per sequence
    metric = _metric()
    for index in range(len(windows)):
        sample = windows[index]['data_samples']
        sample.pred_sem_seg = copy.deepcopy(sample.gt_sem_seg)
        metric.process({}, [sample.to_dict()])
    keys = [(f['sequence'], f['frame_id']) for f in metric.frames(list(metric.results))]
    infos = [images.get_data_info(i) for i in range(len(images))]
    assert sorted(keys) == sorted((i['sequence'], i['frame_index']) for i in infos)
    assert len(set(keys)) == len(keys) == 14
    out = metric.evaluate(len(windows))
    assert out['num_frames'] == 14 and out['predictions_per_frame'] == pytest.approx(24 / 14)
    assert out['mDice'] == pytest.approx(100.0) and out['aAcc'] == pytest.approx(100.0)
