"""LogitBiasEncoderDecoder: ``test_cfg.logit_bias`` added to the class scores before
mmseg's argmax, exactly as specified; Mask2Former-style scores scaled by exp(bias);
wrong biases refused in one line."""
import copy

import pytest
import torch
from mmengine.config import ConfigDict
from mmseg.models.segmentors import EncoderDecoder
from mmseg.registry import MODELS

from rleseg.engine.tool_errors import ConfigError, one_line_message
from rleseg.models.logit_bias import (LogitBiasEncoderDecoder, LogitBiasError,
                                      apply_logit_bias, check_logit_bias)

from p2s_helpers import TINY_BACKBONE, TINY_PREPROCESSOR, make_batch

TOK = dict(scheme='mc', mask_size=8, num_classes=3, subsample=dict(factor=4),
           max_seq_len=64)


def model_cfg(model_type: str = 'LogitBiasEncoderDecoder', num_classes: int = 3,
              **test_cfg) -> dict:
    return dict(
        type=model_type,
        data_preprocessor=copy.deepcopy(TINY_PREPROCESSOR),
        backbone=copy.deepcopy(TINY_BACKBONE),
        decode_head=dict(type='FCNHead', in_channels=32, channels=16, num_convs=1,
                         concat_input=False, num_classes=num_classes, in_index=0,
                         norm_cfg=dict(type='BN', requires_grad=True),
                         loss_decode=dict(type='CrossEntropyLoss')),
        test_cfg=ConfigDict(mode='whole', **test_cfg))


def build(cfg: dict):
    torch.manual_seed(0)
    return MODELS.build(cfg).eval()


def test_bias_moves_the_argmax_exactly_on_hand_made_logits():
    # two pixels of three classes: (background 0, class 1 -1, class 2 -3) and
    # (background 0, class 1 -0.2, class 2 -2.5)
    logits = torch.tensor([[[[0.0, 0.0]], [[-1.0, -0.2]], [[-3.0, -2.5]]]])
    model = build(model_cfg())
    plain = model.postprocess_result(logits.clone())[0].pred_sem_seg.data
    assert plain.tolist() == [[[0, 0]]]
    model.test_cfg['logit_bias'] = [0.0, 0.5, 0.0]   # only the second pixel flips
    biased = model.postprocess_result(logits.clone())[0]
    assert biased.pred_sem_seg.data.tolist() == [[[0, 1]]]
    assert torch.allclose(biased.seg_logits.data, logits[0] + torch.tensor(
        [0.0, 0.5, 0.0]).view(-1, 1, 1))
    model.test_cfg['logit_bias'] = [0.0, 0.5, 2.9]   # class 2: -0.1 and +0.4
    assert model.postprocess_result(logits.clone())[0].pred_sem_seg.data.tolist() == [
        [[0, 2]]]


def test_scores_are_scaled_by_exp_bias_and_logits_shifted():
    scores = torch.tensor([[[0.6]], [[0.3]]])
    assert torch.allclose(apply_logit_bias(scores, [0.0, 1.0], scores=True),
                          torch.tensor([[[0.6]], [[0.3 * torch.e]]]))
    assert apply_logit_bias(scores, [0.0, 1.0], scores=True).argmax(0).item() == 1
    assert torch.allclose(apply_logit_bias(scores, [0.0, 1.0]),
                          torch.tensor([[[0.6]], [[1.3]]]))
    assert apply_logit_bias(scores, None) is scores


def test_no_bias_predicts_as_mmseg_and_loads_its_state_dict():
    data, _ = make_batch(TOK, 2, seed=1)
    plain = build(model_cfg('EncoderDecoder'))
    biased = MODELS.build(model_cfg())
    biased.load_state_dict(plain.state_dict())
    biased.eval()
    assert isinstance(biased, EncoderDecoder)
    with torch.no_grad():
        expected = plain.test_step(copy.deepcopy(data))
        got = biased.test_step(copy.deepcopy(data))
        biased.test_cfg['logit_bias'] = [0.0, 4.0, 0.0]
        shifted = biased.test_step(copy.deepcopy(data))
    for want, have, moved in zip(expected, got, shifted):
        assert torch.equal(want.pred_sem_seg.data, have.pred_sem_seg.data)
        # the bias is added before mmseg's bilinear resize; both are linear, so the
        # stored logits are the plain ones plus the bias
        assert torch.allclose(moved.seg_logits.data, want.seg_logits.data + torch.tensor(
            [0.0, 4.0, 0.0]).view(-1, 1, 1), atol=1e-5)
        assert torch.equal(moved.pred_sem_seg.data,
                           moved.seg_logits.data.argmax(0, keepdim=True))


@pytest.mark.parametrize('bias, words', [
    ([0.0, 1.0], 'has 2 values for 3 classes'),
    ('1.0', 'must be a list of 3 numbers'),
    ([0.0, 'a', 1.0], 'must hold numbers'),
    ([0.0, float('inf'), 1.0], 'finite'),
])
def test_bad_bias_is_one_line_naming_the_key(bias, words):
    with pytest.raises(LogitBiasError) as error:
        check_logit_bias(bias, 3)
    message = one_line_message(error.value)
    assert '\n' not in message and 'model.test_cfg.logit_bias' in message
    assert words in message


def test_wrong_length_in_the_config_is_refused_when_built_and_at_predict():
    with pytest.raises(LogitBiasError, match=r'logit_bias has 2 values for 3 classes'):
        MODELS.build(model_cfg(logit_bias=[0.0, 1.0]))
    model = build(model_cfg())
    model.test_cfg['logit_bias'] = [1.0]
    with pytest.raises(LogitBiasError, match=r'has 1 values for 3 classes'):
        model.postprocess_result(torch.zeros(1, 3, 2, 2))


def test_a_sigmoid_head_is_refused():
    cfg = model_cfg(num_classes=2)
    cfg['decode_head'].update(out_channels=1, threshold=0.5,
                              loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=True))
    with pytest.raises(LogitBiasError, match='one output channel per class'):
        MODELS.build(cfg)
    assert isinstance(build(model_cfg(num_classes=2)), LogitBiasEncoderDecoder)


def test_the_config_check_reads_logit_bias_only_where_it_is_applied():
    from mmengine.config import Config

    from rleseg.engine.config_checks import check_test_cfg
    check_test_cfg(Config(dict(model=model_cfg(logit_bias=[0.0, 1.0, 0.0]))))
    with pytest.raises(ConfigError) as error:   # plain mmseg would ignore it silently
        check_test_cfg(Config(dict(model=model_cfg('EncoderDecoder',
                                                   logit_bias=[0.0, 1.0, 0.0]))))
    assert one_line_message(error.value).startswith(
        'model.test_cfg.logit_bias is not read by EncoderDecoder')
