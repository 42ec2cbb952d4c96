"""The video configs: every one builds its model consistently with its data pipeline,
and the tiny one trains and scores every test frame once through mmengine's runner."""
import os.path as osp
from glob import glob

import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmengine.optim import OptimWrapper
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmseg.registry import DATASETS, MODELS

import rleseg  # noqa: F401
from rleseg.engine import apply_train_options, load_config

init_default_scope('mmseg')
CONFIGS = sorted(glob('configs/p2s_rle_ipsc_video*.py'))
TINY = [path for path in CONFIGS if path.endswith('_tiny.py')]


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_video_config_builds_its_model(path):
    cfg = load_config(path)
    model = MODELS.build(cfg.model)
    tok = model.tokenizer
    train, test = cfg.train_dataloader.dataset, cfg.test_dataloader.dataset
    assert train.type == test.type == 'VideoWindowDataset'
    assert train.window == test.window == tok.window and 1 <= test.stride <= tok.window
    # the video dataset pipelines as they are; the model tokenises the window's masks
    assert train.pipeline[-1]['type'] == test.pipeline[-1]['type'] == 'PackSegInputs'
    assert model.data_preprocessor.tokenizer is tok
    assert cfg.test_evaluator.type == 'VideoFrameMetric'
    assert {h['type'] for h in cfg.custom_hooks} >= {'VocabLayoutHook'}
    static = 'static' in path
    assert bool(train.get('static')) == bool(test.get('static')) == static
    assert tok.task == ('static_video' if static else 'video')
    # per-frame statistics, repeated over the N stacked frames by the preprocessor
    model.data_preprocessor.match_channels(3 if static else 3 * tok.window)
    assert model.data_preprocessor.mean.shape[0] == (3 if static else 3 * tok.window)
    if not static:                  # the tiny default: cell fusion and ltac (HeLa's best)
        tiny_default = 'tiny' in path and 'middle' not in path
        assert model.fusion == ('late' if 'late' in path else
                                'cell' if tiny_default else 'middle')
        assert tok.scheme == ('ltac' if tiny_default or '_ltac' in path else 'tac')
    if 'tiny' not in path:                          # paper scale
        assert tok.mask_shape == (80, 80) and tok.max_seq_len == 3072
        assert model.decoder.dim == 256 and model.backbone.depth == 50
        assert model.test_cfg['mode'] == 'slide' and model.test_cfg['sampling']['top_p'] == 0.4
        expected = {'n1': 1, 'n2': 2, 'n4': 4, 'ltac': 4}
        key = next((k for k in expected if f'_{k}.' in osp.basename(path)), None)
        assert tok.window == expected.get(key, 8)


def test_tiny_video_config_trains_and_scores_every_test_frame(tmp_path, demo_root):
    options = {f'{loader}.dataset.dataset.data_root': demo_root
               for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')}
    options.update({'train_cfg.max_iters': 2, 'train_cfg.val_interval': 2,
                    'default_hooks.checkpoint.interval': 2,
                    'default_hooks.logger.interval': 1,
                    'param_scheduler': [dict(type='ConstantLR', factor=1.0,
                                             by_epoch=False)]})
    cfg = apply_train_options(load_config('configs/p2s_rle_ipsc_video_late_tiny.py',
                                          options, str(tmp_path / 'work')))
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.test()
    # demo test split: 3 sequences x frames 0-3 = 12 frames in 3 windows of 4
    assert metrics['num_windows'] == 3 and metrics['num_frames'] == 12
    assert metrics['num_images'] == 12 and metrics['predictions_per_frame'] == 1.0
    assert 0.0 <= metrics['aAcc'] <= 100.0 and 'seq_tokens_per_frame' in metrics
    # ground-truth sequences made by the model's preprocessor at the input size
    assert metrics['seq_gt_tokens_per_frame'] > 0 and metrics['seq_gt_truncated_pct'] >= 0


@pytest.mark.parametrize('path', TINY, ids=osp.basename)
def test_tiny_ipsc_video_config_has_the_window_levers_and_trains_a_step(path, demo_root):
    """The tiny IPSC video configs sit on the video token base (p2s_rle_tiny_video.py;
    the static one on p2s_rle_tiny.py): flat starts, both pointers, majority / bilinear
    resampling; one training step on the demo windows changes the decoder and the
    backbone."""
    options = {f'{loader}.dataset.dataset.data_root': demo_root
               for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')}
    cfg = load_config(path, options)
    model = MODELS.build(cfg.model)
    tok = model.tokenizer
    assert tok.starts == 'flat' and tok.subsample_cfg['mode'] == 'majority'
    assert tok.upsample_mode == 'bilinear' and cfg.model.coordinate_embed == 'init'
    assert model.decoder.pointer is not None and model.decoder.length_pointer is not None
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    data = pseudo_collate([dataset[0], dataset[len(dataset) - 1]])
    before = {k: v.detach().clone() for k, v in model.named_parameters()}
    log = model.train_step(data, OptimWrapper(torch.optim.AdamW(model.parameters(), lr=1e-3)))
    assert torch.isfinite(log['loss_ce'])
    changed = [k for k, v in model.named_parameters() if not torch.equal(v, before[k])]
    assert any(k.startswith('decoder.') for k in changed)
    assert any(k.startswith('backbone.') for k in changed)
