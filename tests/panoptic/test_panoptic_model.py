"""Pix2SeqPanopticSegmentor: training targets, constrained generation, instance tokens
round-tripping through the model's decoding path, and mmseg / mmdet outputs."""
import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.registry import METRICS, MODELS, TRANSFORMS
from mmseg.structures import SegDataSample

import rleseg  # noqa: F401
from rleseg.evaluation.panoptic_metric import INSTANCE_OFFSET

init_default_scope('mmseg')  # the data preprocessor is built from mmseg's registry

SIZE, S = 32, 16
BACKBONE = dict(type='ResNetV1c', depth=18, num_stages=2, strides=(1, 2),
                dilations=(1, 1), out_indices=(1, ), stem_channels=16, base_channels=8,
                norm_cfg=dict(type='BN', requires_grad=True), init_cfg=None)


def _model(scheme='instance', **kwargs):
    torch.manual_seed(0)
    return MODELS.build(dict(
        type='Pix2SeqPanopticSegmentor', backbone=BACKBONE,
        tokenizer=dict(scheme=scheme, mask_size=S, num_classes=3,
                       subsample=dict(factor=2), max_seq_len=96),
        d_model=32, encoder=dict(num_layers=1, num_heads=4, mlp_dim=64, dropout=0.0),
        decoder=dict(num_layers=2, num_heads=4, mlp_dim=64, dropout=0.0),
        test_cfg=dict(sampling=dict(strategy='greedy')), **kwargs))


def _scene():
    """(semantic, instances) at SIZE x SIZE: three cells, two touching, two classes."""
    sem = np.zeros((SIZE, SIZE), np.uint8)
    inst = np.zeros((SIZE, SIZE), np.int64)
    for ident, (y, x, h, w, cls) in enumerate([(2, 2, 8, 6, 1), (2, 8, 8, 6, 1),
                                                (18, 16, 10, 12, 2)], start=11):
        sem[y:y + h, x:x + w], inst[y:y + h, x:x + w] = cls, ident
    return sem, inst


def _sample(tok, sem, inst, ori_shape=(SIZE, SIZE)):
    enc = tok.encode(sem, inst)
    sample = SegDataSample(metainfo=dict(ori_shape=ori_shape, img_shape=(SIZE, SIZE)))
    sample.gt_tokens = torch.as_tensor(enc.tokens)
    sample.gt_token_weights = torch.as_tensor(enc.weights)
    return sample, enc


def test_loss_on_instance_targets():
    model = _model()
    sem, inst = _scene()
    sample, enc = _sample(model.tokenizer, sem, inst)
    assert enc.num_groups == 3
    losses = model.loss(torch.randn(1, 3, SIZE, SIZE), [sample])
    assert torch.isfinite(losses['loss_ce']) and losses['loss_ce'] > 0
    losses['loss_ce'].backward()
    assert model.decoder.token_embed.weight.grad.abs().sum() > 0


@pytest.mark.parametrize('scheme', ['instance', 'classwise'])
def test_predict_outputs_for_mmseg_and_mmdet(scheme):
    model = _model(scheme).eval()
    out = model.predict(torch.randn(2, 3, SIZE, SIZE))
    for sample in out:
        sem = sample.pred_sem_seg.data
        inst = sample.pred_instance_map.data
        assert sem.shape == inst.shape == (1, SIZE, SIZE)
        report = sample.decode_report
        assert report['num_dropped_tokens'] == 0 and report['num_dropped_runs'] == 0
        pred = sample.pred_instances
        g = report['num_groups']
        assert pred.masks.shape == (g, SIZE, SIZE) and len(pred.labels) == len(pred.scores) == g
        assert torch.all((pred.scores > 0) & (pred.scores <= 1))
        pan = sample.pred_panoptic_seg.sem_seg
        assert torch.equal(pan % INSTANCE_OFFSET, sem) and torch.equal(
            pan // INSTANCE_OFFSET, inst)


def test_instance_tokens_round_trip_through_the_decoding_path(monkeypatch):
    """Ground-truth tokens fed through predict (generation replaced by them) give back
    the instances at the original resolution, scored by their class tokens, and PQ 100."""
    model = _model().eval()
    sem, inst = _scene()
    ori = (2 * SIZE, 3 * SIZE)                    # predict resizes to ori_shape
    sample, enc = _sample(model.tokenizer, sem, inst, ori_shape=ori)
    gt_tokens = torch.as_tensor(enc.tokens)[None]
    monkeypatch.setattr(model, 'generate_tokens', lambda inputs, **kw: gt_tokens)
    image = torch.randn(1, 3, SIZE, SIZE)
    out = model.predict(image, [sample])[0]
    big = lambda a: np.repeat(np.repeat(a, 2, axis=0), 3, axis=1)  # noqa: E731
    assert np.array_equal(out.pred_sem_seg.data[0].numpy(), big(sem))
    pred_inst = out.pred_instance_map.data[0].numpy()
    pairs = {(int(a), int(b)) for a, b in zip(pred_inst.ravel(), big(inst).ravel())}
    assert pairs == {(0, 0), (1, 11), (2, 12), (3, 13)}
    assert out.pred_instances.labels.tolist() == [1, 1, 2]
    assert out.pred_instances.masks.sum((1, 2)).tolist() == [48 * 6, 48 * 6, 120 * 6]
    probs = model.token_probabilities(image, gt_tokens)[0]
    class_pos = [i for i, t in enumerate(enc.tokens.tolist())
                 if model.tokenizer.layout.contains('class', t)]
    assert len(class_pos) == 3 and probs.shape == gt_tokens.shape[1:]
    assert torch.allclose(out.pred_instances.scores, probs[class_pos])
    out.gt_sem_seg = PixelData(data=torch.as_tensor(big(sem))[None])
    out.gt_instance_map = PixelData(data=torch.as_tensor(big(inst))[None])
    metric = METRICS.build(dict(type='PanopticQualityMetric', log_table=False,
                                num_classes=3))
    metric.process({}, [out.to_dict()])
    assert metric.evaluate(1)['PQ'] == pytest.approx(100.0)


def test_score_threshold_removes_instances():
    model = _model(score_thr=0.5).eval()
    sem, inst = _scene()
    _, enc = _sample(model.tokenizer, sem, inst)
    tokens = torch.as_tensor(enc.tokens)[None]
    probs = torch.ones(tokens.shape)
    class_pos = [i for i, t in enumerate(enc.tokens.tolist())
                 if model.tokenizer.layout.contains('class', t)]
    probs[0, class_pos[1]] = 0.2                  # the second cell is unsure
    (pred, scores, report), = model.decode_panoptic(tokens, probs)
    assert pred.num_instances == 2 and scores.tolist() == [1.0, 1.0]
    assert pred.classes.tolist() == [1, 2] and report['num_groups'] == 3
    assert set(np.unique(pred.instances)) == {0, 1, 2}
    assert (pred.semantic[inst[::2, ::2] == 12] == 0).all()


def test_panoptic_model_needs_a_panoptic_tokenizer():
    with pytest.raises(ValueError, match='not panoptic'):
        MODELS.build(dict(type='Pix2SeqPanopticSegmentor', backbone=BACKBONE,
                          tokenizer=dict(scheme='mc', mask_size=S, num_classes=3),
                          d_model=32, encoder=dict(num_layers=1, num_heads=4, mlp_dim=64),
                          decoder=dict(num_layers=1, num_heads=4, mlp_dim=64)))


def test_preprocessor_instance_targets_and_the_oracle_round_trip():
    """The data preprocessor writes RLETokenize's instance sequences; the token ceiling
    (test_cfg.oracle) decodes them into the instances at ori_shape, every score 1."""
    model = _model(data_preprocessor=dict(type='Pix2SeqDataPreProcessor', mean=[0.0] * 3,
                                          std=[1.0] * 3, size=(SIZE, SIZE)))
    sem, inst = _scene()
    sample = SegDataSample(metainfo=dict(ori_shape=(SIZE, SIZE), img_shape=(SIZE, SIZE)))
    sample.gt_sem_seg = PixelData(data=torch.from_numpy(sem[None].astype(np.int64)))
    sample.gt_instance_map = PixelData(data=torch.from_numpy(inst[None]))
    data = dict(inputs=[torch.zeros(3, SIZE, SIZE, dtype=torch.uint8)],
                data_samples=[sample])
    out = model.data_preprocessor(data, training=True)['data_samples'][0]
    expected = TRANSFORMS.build(dict(type='RLETokenize', tokenizer=model.tokenizer.config()))(
        dict(gt_seg_map=sem, gt_instance_map=inst))
    assert torch.equal(out.gt_tokens, torch.from_numpy(expected['gt_tokens']))
    assert out.metainfo['token_stats'] == expected['token_stats']
    model.test_cfg['oracle'] = True
    pred = model.eval().predict(torch.zeros(1, 3, SIZE, SIZE), [out])[0]
    big = lambda a: np.repeat(np.repeat(a, 2, axis=0), 2, axis=1)  # noqa: E731
    decoded, _ = model.tokenizer.decode_panoptic(expected['gt_tokens'])
    assert np.array_equal(pred.pred_sem_seg.data[0].numpy(), big(decoded.semantic))
    assert np.array_equal(pred.pred_instance_map.data[0].numpy(), big(decoded.instances))
    assert pred.pred_instances.scores.tolist() == [1.0, 1.0, 1.0]
