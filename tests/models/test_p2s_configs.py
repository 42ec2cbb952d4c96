"""The shipped configs: every one builds its model; the tiny IPSC config trains,
checkpoints, resumes and evaluates through mmengine exactly as tools/train.py and
tools/test.py run it."""
import os.path as osp

import pytest
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmseg.registry import MODELS

import rleseg  # noqa: F401
from rleseg.datasets import generate_ipsc
from rleseg.engine import apply_test_options, apply_train_options, load_config
from rleseg.engine.checkpoint import load_checkpoint_safely

init_default_scope('mmseg')
# The semantic image configs (video and panoptic configs are tested with their models).
IMAGE_CONFIGS = [f'configs/p2s_rle_{name}.py'
                 for name in ('ipsc', 'aris', 'ipsc_tiny', 'aris_tiny')]


@pytest.mark.parametrize('path', IMAGE_CONFIGS, ids=osp.basename)
def test_config_builds_its_model(path):
    cfg = load_config(path)
    model = MODELS.build(cfg.model)
    pipeline = cfg.train_dataloader.dataset.pipeline
    tokenize = [t for t in pipeline if t['type'] == 'RLETokenize']
    assert len(tokenize) == 1 and pipeline[-1]['type'] == 'PackRLESegInputs'
    # the transform writes targets in the model's vocabulary
    assert dict(tokenize[0]['tokenizer']) == dict(cfg.model.tokenizer)
    assert {h['type'] for h in cfg.custom_hooks} >= {'VocabLayoutHook'}
    if 'tiny' not in path:  # paper sizes (TOKENIZATION.md section 10)
        assert model.decoder.dim == 256 and len(model.decoder.layers) == 6
        assert len(model.encoder.layers) == 6 and model.decoder.num_heads == 8
        assert model.backbone.depth == 50
        assert model.tokenizer.mask_shape == (80, 80) and model.tokenizer.max_seq_len == 512
        opt = cfg.optim_wrapper.optimizer
        assert (opt.type, opt.lr, opt.weight_decay, tuple(opt.betas)) == (
            'AdamW', 3e-5, 0.05, (0.9, 0.95))
        assert model.test_cfg['sampling']['top_p'] == 0.4
        assert model.test_cfg['mode'] == 'slide'


def test_tiny_config_trains_resumes_and_tests(tmp_path):
    data_root = str(tmp_path / 'ipsc_demo')
    generate_ipsc(data_root)
    options = {'train_dataloader.dataset.data_root': data_root,
               'val_dataloader.dataset.data_root': data_root,
               'test_dataloader.dataset.data_root': data_root,
               'train_cfg.max_iters': 4, 'train_cfg.val_interval': 4,
               'default_hooks.checkpoint.interval': 2, 'default_hooks.logger.interval': 2,
               'param_scheduler': [dict(type='ConstantLR', factor=1.0, by_epoch=False)]}
    work_dir = str(tmp_path / 'work')
    cfg = apply_train_options(load_config('configs/p2s_rle_ipsc_tiny.py', options, work_dir))
    Runner.from_cfg(cfg).train()
    checkpoint = load_checkpoint_safely(osp.join(work_dir, 'iter_4.pth'))
    assert checkpoint['meta']['vocab_layout']['vocab_size'] > 0
    # resume from the latest checkpoint and train two more iterations
    options['train_cfg.max_iters'] = 6
    cfg = apply_train_options(load_config('configs/p2s_rle_ipsc_tiny.py', options, work_dir),
                              resume='auto')
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.iter == 6 and osp.isfile(osp.join(work_dir, 'iter_6.pth'))
    # evaluate the checkpoint like tools/test.py
    cfg = apply_test_options(load_config('configs/p2s_rle_ipsc_tiny.py', options, work_dir),
                             osp.join(work_dir, 'iter_6.pth'))
    metrics = Runner.from_cfg(cfg).test()
    assert any(k.startswith('mDice') or 'Dice' in k for k in metrics), metrics
    # a config with another vocabulary layout refuses the checkpoint
    options['model.tokenizer.max_length'] = 8
    cfg = apply_test_options(load_config('configs/p2s_rle_ipsc_tiny.py', options, work_dir),
                             osp.join(work_dir, 'iter_6.pth'))
    with pytest.raises(ValueError, match='vocabulary layout'):
        Runner.from_cfg(cfg).test()
