"""A tiny video config learns: it memorises a few generated windows (frame Dice >= 85).

Model (cell fusion), scheme (ltac) and data pipeline are those of
configs/p2s_rle_ipsc_video_tiny.py; only the geometry is adapted to a generated
32 x 32 sequence (windows of 2 frames, masks not subsampled, so the score is not capped
by quantisation; flat starts, 2 tokens per run; the memory on the feature grid, so the
pointers are off) and training is a plain loop over the same 3 windows. Frames are
scored by the config's VideoFrameMetric at full resolution.
"""
import copy
from pathlib import Path

import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS, METRICS, MODELS

import rleseg  # noqa: F401
from rleseg.datasets import generate_ipsc

REPO = Path(__file__).resolve().parents[2]
CONFIG = 'p2s_rle_ipsc_video_tiny.py'
WINDOW, SIZE, NUM_WINDOWS, STEPS, LR = 2, 32, 3, 160, 3e-3
init_default_scope('mmseg')


def _setup(root: str, without_regularisation):
    """(model, window dataset, config) of CONFIG at the test geometry, its levers
    against overfitting off."""
    cfg = Config.fromfile(REPO / 'configs' / CONFIG)
    tokenizer = dict(cfg.model.tokenizer, window=WINDOW, mask_size=SIZE, starts='flat',
                     subsample=dict(factor=1, mode='nearest'), max_seq_len=512)
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.tokenizer = tokenizer
    model_cfg.data_preprocessor.size = (SIZE, SIZE)
    without_regularisation(model_cfg)
    # the pointers read the mask-grid memory, which without_regularisation switches off
    model_cfg.update(coordinate_pointer=False, length_pointer=False)
    # the config's window pipeline without the resize / patch / flip; the model's data
    # preprocessor tokenises the windows
    pipeline = [dict(type='LoadWindowFrames'), dict(type='FormatWindow', layout='channels'),
                dict(type='PackSegInputs', meta_keys=cfg.video_meta_keys)]
    windows = DATASETS.build(dict(
        type='VideoWindowDataset', window=WINDOW, stride=WINDOW, pipeline=pipeline,
        dataset=dict(type='IPSCDataset', data_root=root, ann_file='splits/train.txt')))
    torch.manual_seed(0)
    return MODELS.build(model_cfg), windows, cfg


def test_tiny_video_config_overfits_generated_windows(tmp_path, memorise,
                                                     without_regularisation):
    root = str(tmp_path / 'ipsc')
    frames = NUM_WINDOWS * WINDOW
    generate_ipsc(root, num_sequences=1, num_frames=frames, sizes=((SIZE, SIZE), ),
                  xml_only=(), num_missing=0, split_ranges={'train': (0, frames)})
    model, windows, cfg = _setup(root, without_regularisation)
    assert model.fusion == 'cell' and model.tokenizer.scheme == 'ltac'
    batch = pseudo_collate([windows[i] for i in range(len(windows))])
    assert len(windows) == NUM_WINDOWS
    targets = model.data_preprocessor(copy.deepcopy(batch), training=True)
    stats = [s.metainfo['token_stats'] for s in targets['data_samples']]
    assert all(s['truncated'] == 0 and s['num_runs'] > 50 for s in stats)
    memorise(model, batch, STEPS, LR)
    data = model.data_preprocessor(copy.deepcopy(batch), training=False)
    with torch.no_grad():
        predictions = model.predict(data['inputs'], data['data_samples'])
    metric = METRICS.build(copy.deepcopy(cfg.test_evaluator))
    metric.dataset_meta = windows.metainfo
    metric.process({}, [p.to_dict() for p in predictions])
    scores = metric.evaluate(len(windows))
    assert scores['num_frames'] == frames
    assert scores['mDice'] >= 85.0, scores
