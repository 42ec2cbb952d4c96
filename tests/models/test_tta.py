"""SegDihedralTTAModel: views and their inverses, probability averaging for the token
model and mmseg's EncoderDecoder, the ``--tta`` config switch and one-line errors."""
import copy

import numpy as np
import pytest
import torch
from mmengine.config import Config, ConfigDict
from mmseg.registry import MODELS

from rleseg.engine import apply_test_options, load_config
from rleseg.engine.tool_errors import ConfigError
from rleseg.models import SegDihedralTTAModel
from rleseg.models.segmentor import restore_original
from rleseg.models.tta import VIEWS, apply_view, invert_view

from p2s_helpers import TINY_BACKBONE, TINY_PREPROCESSOR, make_batch, tiny_model_cfg

TOK = dict(scheme='mc', mask_size=8, num_classes=3, subsample=dict(factor=4),
           max_seq_len=64)


def token_model(**overrides):
    torch.manual_seed(0)
    return MODELS.build(tiny_model_cfg(TOK, **overrides)).eval()


def dense_model(num_classes: int = 3):
    torch.manual_seed(0)
    cfg = dict(
        type='EncoderDecoder',
        data_preprocessor=copy.deepcopy(TINY_PREPROCESSOR),
        backbone=copy.deepcopy(TINY_BACKBONE),
        decode_head=dict(type='FCNHead', in_channels=32, channels=16, num_convs=1,
                         concat_input=False, num_classes=num_classes, in_index=0,
                         norm_cfg=dict(type='BN', requires_grad=True),
                         loss_decode=dict(type='CrossEntropyLoss')),
        test_cfg=ConfigDict(mode='whole'))
    return MODELS.build(cfg).eval()


@pytest.mark.parametrize('views', sorted(VIEWS))
def test_views_invert_exactly_and_are_distinct(views):
    x = torch.randn(2, 3, 5, 7)  # non-square: rotations swap H and W
    for view in VIEWS[views]:
        assert torch.equal(invert_view(apply_view(x, view), view), x), view
    square = torch.randn(1, 1, 6, 6)
    images = [apply_view(square, view) for view in VIEWS[views]]
    assert all(not torch.equal(a, b) for i, a in enumerate(images) for b in images[i + 1:])
    if views == 'flips':
        expected = [square, square.flip(-1), square.flip(-2)]
        assert all(torch.equal(a, b) for a, b in zip(images, expected))
    else:
        assert len(images) == 8


def test_token_model_views_are_voted_and_mapped_back():
    """An equivariant stand-in for the token model (class 1 where the first channel is
    bright): every view, mapped back, agrees, so TTA returns the plain prediction; the
    module sees exactly the 8 views of the preprocessed batch, and the tokens / report
    of the identity view are kept."""
    model = token_model()
    seen = []

    def predict_scores(inputs):
        seen.append(inputs.clone())
        labels = (inputs[:, 0] > 0).long()
        scores = torch.nn.functional.one_hot(labels, 3).permute(0, 3, 1, 2).float()
        tokens = torch.full((len(inputs), 4), len(seen))
        return scores, tokens, [dict(call=len(seen))] * len(inputs)

    model.predict_scores = predict_scores
    data, _ = make_batch(TOK, 2)
    batch = model.data_preprocessor(copy.deepcopy(data), False)
    samples = SegDihedralTTAModel(module=model).test_step(data)
    assert len(seen) == 8
    for view, received in zip(VIEWS['dihedral'], seen):
        assert torch.equal(received, apply_view(batch['inputs'], view))
    for i, sample in enumerate(samples):
        expected = (batch['inputs'][i, 0] > 0).long()
        assert torch.equal(sample.pred_sem_seg.data[0], expected)
        assert torch.equal(sample.pred_tokens, torch.full((4, ), 1))
        assert sample.decode_report == dict(call=1)


def test_token_model_generates_once_per_view_and_returns_valid_masks():
    model = token_model()
    calls = []
    generate = model.generate_tokens
    model.generate_tokens = lambda inputs, **kw: calls.append(1) or generate(inputs, **kw)
    data, masks = make_batch(TOK, 2)
    samples = SegDihedralTTAModel(module=model, views='flips').test_step(data)
    assert len(calls) == 3
    for sample, mask in zip(samples, masks):
        pred = sample.pred_sem_seg.data
        assert pred.shape == (1, ) + mask.shape and pred.dtype == torch.int64
        assert 0 <= int(pred.min()) and int(pred.max()) < 3
        assert sample.pred_tokens.ndim == 1 and 'num_tokens' in sample.decode_report


def test_token_model_in_slide_mode_votes_its_stitched_masks():
    """Sliding-window inference (the paper-scale configs): each view's stitched label
    map, one-hot, is what the views vote with; per image the window tokens and the
    summed report of the identity view are kept."""
    model = token_model(test_cfg=dict(mode='slide', crop_size=(16, 16), stride=(16, 16),
                                      sampling=dict(strategy='greedy')))
    data, masks = make_batch(TOK, 2)
    batch = model.data_preprocessor(copy.deepcopy(data), False)
    with torch.no_grad():
        scores, tokens, reports = model.predict_scores(batch['inputs'])
        plain = model.predict(batch['inputs'], copy.deepcopy(batch['data_samples']))
    assert scores.shape == (2, 3) + batch['inputs'].shape[-2:]
    assert torch.equal(scores.sum(1), torch.ones_like(scores[:, 0]))  # one-hot
    for i, sample in enumerate(plain):
        assert torch.equal(scores[i].argmax(0), sample.pred_sem_seg.data[0])
        assert torch.equal(tokens[i], sample.pred_tokens)
        assert reports[i] == sample.decode_report and reports[i]['num_windows'] == 4
    samples = SegDihedralTTAModel(module=model, views='flips').test_step(data)
    for sample, mask in zip(samples, masks):
        assert sample.pred_sem_seg.data.shape == (1, ) + mask.shape
        assert sample.pred_tokens.shape[0] == 4


def test_dense_model_averages_softmax_over_flips():
    model = dense_model()
    data, masks = make_batch(TOK, 2, seed=3)
    samples = SegDihedralTTAModel(module=model, views='flips').test_step(
        copy.deepcopy(data))
    batch = model.data_preprocessor(data, False)
    x = batch['inputs']
    metas = [dict(img_shape=x.shape[-2:], pad_shape=x.shape[-2:],
                  ori_shape=x.shape[-2:])] * len(x)
    with torch.no_grad():
        probs = model.inference(x, metas).softmax(1)
        probs = probs + model.inference(x.flip(-1), metas).softmax(1).flip(-1)
        probs = probs + model.inference(x.flip(-2), metas).softmax(1).flip(-2)
    expected = probs.argmax(1)
    for i, sample in enumerate(samples):
        assert torch.equal(sample.pred_sem_seg.data[0], expected[i])


def test_restore_original_undoes_every_flip_direction():
    labels = torch.arange(12).reshape(1, 3, 4)
    for direction, dims in (('horizontal', (-1, )), ('vertical', (-2, )),
                            ('diagonal', (-2, -1))):
        meta = dict(flip=True, flip_direction=direction, ori_shape=(3, 4))
        assert torch.equal(restore_original(labels.flip(dims), meta), labels)
    with pytest.raises(ValueError, match="flip_direction must be one of .*'sideways'"):
        restore_original(labels, dict(flip=True, flip_direction='sideways'))


def test_bad_views_and_models_are_one_line_errors():
    with pytest.raises(ValueError, match=r"views must be one of \['dihedral', 'flips'\], "
                                         r"got 'd8'") as error:
        SegDihedralTTAModel(module=token_model(), views='d8')
    assert '\n' not in str(error.value)
    with pytest.raises(TypeError, match='needs a semantic segmentor .* got Linear'):
        SegDihedralTTAModel(module=torch.nn.Linear(2, 2))
    data, _ = make_batch(TOK, 1)
    bad_mode = token_model(test_cfg=dict(mode='tiles'))
    with pytest.raises(ValueError, match="test_cfg.mode must be 'whole' or 'slide', "
                                         "got 'tiles'"):
        SegDihedralTTAModel(module=bad_mode).test_step(data)
    binary = dense_model(num_classes=2)
    binary.decode_head.out_channels = 1
    binary.decode_head.conv_seg = torch.nn.Conv2d(16, 1, 1)
    with pytest.raises(ValueError, match='out_channels=1 is not supported'):
        SegDihedralTTAModel(module=binary).test_step(data)
    video = MODELS.build(tiny_model_cfg(
        dict(TOK, scheme='3d-lac', window=2, starts='2d', max_seq_len=96),
        type='Pix2SeqVideoSegmentor', fusion='late'))
    with pytest.raises(ValueError, match='needs single images, the model predicts 2 frames'):
        SegDihedralTTAModel(module=video)


def test_tta_switch_wraps_the_model_like_mmseg():
    cfg = load_config('configs/unet_ipsc_tiny.py')
    model = copy.deepcopy(cfg.model)
    apply_test_options(cfg, 'ckpt.pth', tta=True)
    assert cfg.model.type == 'SegDihedralTTAModel' and cfg.model.views == 'dihedral'
    assert cfg.model.module == model
    mmseg_tta = Config(dict(model=dict(type='EncoderDecoder'),
                            tta_model=dict(type='SegTTAModel')))
    with pytest.raises(ConfigError, match="tta_model 'SegTTAModel' needs tta_pipeline"):
        apply_test_options(mmseg_tta, 'ckpt.pth', tta=True)
    mmseg_tta.tta_pipeline = [dict(type='LoadImageFromFile')]
    mmseg_tta.test_dataloader = dict(dataset=dict(pipeline=[]))
    apply_test_options(mmseg_tta, 'ckpt.pth', tta=True)
    assert mmseg_tta.test_dataloader.dataset.pipeline == mmseg_tta.tta_pipeline
    with pytest.raises(ConfigError, match='--tta needs tta_model in the config'):
        apply_test_options(Config(dict(model=dict(type='EncoderDecoder'))), 'c.pth',
                           tta=True)


def test_tta_model_builds_from_the_config_and_loads_the_plain_state_dict():
    """mmengine loads a checkpoint of the plain model into the TTA model's ``module``."""
    from mmengine.runner.checkpoint import _load_checkpoint_to_model
    plain = dense_model()
    wrapped = SegDihedralTTAModel(module=dense_model())
    for param in wrapped.module.parameters():
        torch.nn.init.zeros_(param)
    _load_checkpoint_to_model(wrapped, dict(state_dict=plain.state_dict()))
    for key, value in plain.state_dict().items():
        assert torch.equal(wrapped.module.state_dict()[key], value), key
    assert np.isclose(float(sum(p.abs().sum() for p in wrapped.parameters())),
                      float(sum(p.abs().sum() for p in plain.parameters())))
