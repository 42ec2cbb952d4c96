"""The shipped configs: every one builds its model, token models share the dataset
pipelines of the other paradigms unchanged; the tiny IPSC config trains, checkpoints,
resumes and evaluates through mmengine exactly as tools/train.py and tools/test.py run
it."""
import os.path as osp
from glob import glob

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
ALL_CONFIGS = sorted(glob('configs/*.py'))
# token model -> a model of another paradigm on the same dataset config
SAME_DATA = {'p2s_rle_ipsc': 'unet_ipsc', 'p2s_rle_aris': 'deeplabv3plus_aris',
             'p2s_rle_ipsc_tiny': 'mask2former_ipsc_tiny', 'p2s_rle_aris_tiny': 'unet_aris_tiny',
             'p2s_rle_ipsc_panoptic': 'mask2former_ipsc_panoptic',
             'p2s_rle_ipsc_aug_tiny': 'unet_ipsc_aug_tiny',
             'p2s_rle_ipsc_panoptic_tiny': 'unet_ipsc_panoptic_tiny'}


def _pipelines(cfg):
    return [cfg[f'{split}_dataloader'].dataset.pipeline for split in ('train', 'test')]


@pytest.mark.parametrize('path', ALL_CONFIGS, ids=osp.basename)
def test_every_config_builds_without_tokenizing_in_its_pipelines(path):
    cfg = load_config(path)
    model = MODELS.build(cfg.model)
    steps = [t['type'] for pipeline in _pipelines(cfg) for t in pipeline
             if isinstance(t, dict)]
    assert 'RLETokenize' not in steps and steps
    assert hasattr(model, 'tokenizer') == osp.basename(path).startswith('p2s_rle')


@pytest.mark.parametrize('token_model', sorted(SAME_DATA))
def test_token_models_share_the_dataset_pipelines(token_model):
    ours = load_config(f'configs/{token_model}.py')
    theirs = load_config(f'configs/{SAME_DATA[token_model]}.py')
    assert _pipelines(ours) == _pipelines(theirs)
    assert ours.test_evaluator == theirs.test_evaluator


@pytest.mark.parametrize('path', IMAGE_CONFIGS, ids=osp.basename)
def test_config_builds_its_model(path):
    cfg = load_config(path)
    model = MODELS.build(cfg.model)
    # the model tokenises the ground truth with its own tokenizer
    assert cfg.model.data_preprocessor.type == 'Pix2SeqDataPreProcessor'
    assert model.data_preprocessor.tokenizer is model.tokenizer
    assert model.data_preprocessor.empty_keep_prob == (1.0 if 'tiny' in path else 0.1)
    assert {h['type'] for h in cfg.custom_hooks} >= {'VocabLayoutHook'}
    if 'tiny' not in path:  # paper sizes (docs/models.md)
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
    assert metrics['seq_gt_tokens_per_image'] > 2        # the preprocessor's GT tokens
    # a config with another vocabulary layout refuses the checkpoint
    options['model.tokenizer.max_length'] = 8
    cfg = apply_test_options(load_config('configs/p2s_rle_ipsc_tiny.py', options, work_dir),
                             osp.join(work_dir, 'iter_6.pth'))
    with pytest.raises(ValueError, match='vocabulary layout'):
        Runner.from_cfg(cfg).test()
