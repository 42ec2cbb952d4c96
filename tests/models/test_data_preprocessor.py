"""Pix2SeqDataPreProcessor: the ground truth becomes the model's token targets (the same
as RLETokenize writes), at the input size at test time; the token ceiling
(test_cfg.oracle) decodes exactly those tokens."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.structures import PixelData
from mmseg.registry import MODELS, TRANSFORMS
from mmseg.structures import SegDataSample

from rleseg.evaluation.sequence_stats import sequence_record

from p2s_helpers import blob_mask, tiny_model_cfg

P = 32
TOK = dict(scheme='lac', mask_size=8, num_classes=3, starts='2d', subsample=dict(factor=4),
           max_seq_len=64)
PRE = dict(type='Pix2SeqDataPreProcessor', mean=[128.0] * 3, std=[64.0] * 3, size=(P, P),
           pad_val=0, seg_pad_val=255)


# the paper's resampling (top-left pixel, block repeat) and the smooth one
RESAMPLING = [dict(), dict(subsample=dict(factor=4, mode='majority'), upsample='bilinear')]


def build(pre=None, tok=None, **overrides):
    torch.manual_seed(0)
    return MODELS.build(tiny_model_cfg(dict(TOK, **(tok or {})),
                                       data_preprocessor=dict(PRE, **(pre or {})),
                                       **overrides))


def item(mask, img_shape=None):
    """(inputs (3, h, w) uint8, sample with gt_sem_seg = mask at full resolution)."""
    h, w = img_shape or mask.shape
    sample = SegDataSample(metainfo=dict(ori_shape=mask.shape, img_shape=(h, w)))
    sample.gt_sem_seg = PixelData(data=torch.from_numpy(mask[None].astype(np.int64)))
    return torch.zeros(3, h, w, dtype=torch.uint8), sample


def batch(masks, img_shape=None):
    pairs = [item(m, img_shape) for m in masks]
    return dict(inputs=[p[0] for p in pairs], data_samples=[p[1] for p in pairs])


def rle_tokenize(mask):
    """What RLETokenize writes for a mask already at the input size."""
    return TRANSFORMS.build(dict(type='RLETokenize', tokenizer=TOK))(dict(gt_seg_map=mask))


def resized(mask, h, w):
    """The mask as the pipeline's Resize would give it (the old test_resized trick)."""
    res = TRANSFORMS.build(dict(type='Resize', scale=(w, h), keep_ratio=False))(
        dict(img=np.zeros(mask.shape + (3, ), np.uint8), gt_seg_map=mask,
             seg_fields=['gt_seg_map']))
    return res['gt_seg_map']


def test_training_tokens_are_rle_tokenize_tokens():
    model = build()
    assert model.data_preprocessor.tokenizer is model.tokenizer      # one tokenizer
    rng = np.random.default_rng(0)
    masks = [blob_mask(rng, P, 3) for _ in range(3)]
    out = model.data_preprocessor(batch(masks), training=True)
    for mask, sample in zip(masks, out['data_samples']):
        expected = rle_tokenize(mask)
        assert torch.equal(sample.gt_tokens, torch.from_numpy(expected['gt_tokens']))
        assert torch.equal(sample.gt_token_weights,
                           torch.from_numpy(expected['gt_token_weights']))
        assert sample.metainfo['token_stats'] == expected['token_stats']
    losses = model.loss(out['inputs'], out['data_samples'])
    assert torch.isfinite(losses['loss_ce'])


def test_test_time_tokens_are_those_of_the_resized_ground_truth():
    """Full-resolution ground truth (50 x 70), image resized to 24 x 32 and padded to
    32 x 32: tokens of the ground truth resized like the image, padded as ignore."""
    model = build(pre=dict(test_cfg=dict(size=(P, P))))
    rng = np.random.default_rng(1)
    mask = blob_mask(rng, 70, 3)[:50]
    out = model.data_preprocessor(batch([mask], img_shape=(24, 32)), training=False)
    sample = out['data_samples'][0]
    assert tuple(out['inputs'].shape[-2:]) == (P, P)
    padded = np.pad(resized(mask, 24, 32), ((0, 8), (0, 0)), constant_values=255)
    expected = rle_tokenize(padded)
    assert torch.equal(sample.gt_tokens, torch.from_numpy(expected['gt_tokens']))
    assert sample.metainfo['token_stats'] == expected['token_stats']
    assert tuple(sample.gt_sem_seg.shape) == (50, 70)                # scored at full size
    # the sequence statistics read them as before
    sample.decode_report = dict(num_tokens=5, num_runs=1, num_dropped_tokens=0, truncated=0)
    record = sequence_record(sample.to_dict())
    assert record[4] == np.count_nonzero(expected['gt_tokens']) > 2 and record[5] == 0.0


def test_sliding_models_get_the_tokens_of_their_windows():
    model = build(test_cfg=dict(mode='slide', crop_size=(P, P), stride=(P, P),
                                sampling=dict(strategy='greedy')))
    mask = blob_mask(np.random.default_rng(2), 2 * P, 3)
    out = model.data_preprocessor(batch([mask]), training=False)
    sample = out['data_samples'][0]
    windows = [mask[y:y + P, x:x + P] for y in (0, P) for x in (0, P)]
    expected = [rle_tokenize(w) for w in windows]
    assert torch.equal(sample.gt_tokens,
                       torch.from_numpy(np.stack([e['gt_tokens'] for e in expected])))
    stats = sample.metainfo['token_stats']
    assert stats['num_windows'] == 4
    assert stats['num_tokens'] == sum(e['token_stats']['num_tokens'] for e in expected)


def test_existing_tokens_are_kept_and_empty_samples_can_leave_the_loss():
    model = build(pre=dict(empty_keep_prob=0.0))
    rng = np.random.default_rng(3)
    masks = [blob_mask(rng, P, 3), np.zeros((P, P), np.uint8), blob_mask(rng, P, 3)]
    data = batch(masks)
    kept = torch.arange(TOK['max_seq_len'])
    data['data_samples'][2].gt_tokens = kept                   # from RLETokenize, say
    data['data_samples'][2].gt_token_weights = torch.ones(TOK['max_seq_len'])
    out = model.data_preprocessor(data, training=True)
    full, empty, given = out['data_samples']
    assert given.gt_tokens is kept and 'token_stats' not in given.metainfo
    assert empty.metainfo['token_stats']['num_runs'] == 0
    assert float(empty.gt_token_weights.abs().sum()) == 0.0     # out of the loss
    assert torch.equal(full.gt_token_weights,
                       torch.from_numpy(rle_tokenize(masks[0])['gt_token_weights']))


def test_bad_setups_are_one_line_errors():
    with pytest.raises(ValueError, match='empty_keep_prob'):
        build(pre=dict(empty_keep_prob=1.5))
    with pytest.raises(ValueError, match='differs from model.tokenizer'):
        build(pre=dict(tokenizer=dict(TOK, max_seq_len=32)))
    model = build()
    mask = blob_mask(np.random.default_rng(4), 2 * P, 3)
    with pytest.raises(ValueError, match=r'training input is \(64, 64\)'):
        model.data_preprocessor(batch([mask]), training=True)


def _oracle_expected(tok, mask_at_input, ori_shape):
    """Tokenize -> decode -> to ori_shape, by hand: 'nearest' rule: block repeat, then
    nearest resize of the labels; 'bilinear' rule: one-hot class maps interpolated to
    the input size, then resized bilinearly (mmseg's way with logits), then argmax."""
    decoded, _ = tok.decode(tok.encode(mask_at_input).tokens)
    if tok.upsample_mode == 'bilinear':
        hot = F.one_hot(torch.from_numpy(decoded.astype(np.int64)), tok.num_classes)
        hot = hot.permute(2, 0, 1)[None].float()
        scores = F.interpolate(hot, size=mask_at_input.shape, mode='bilinear',
                               align_corners=False)
        scores = F.interpolate(scores, size=ori_shape, mode='bilinear', align_corners=False)
        return scores[0].argmax(0)
    up = torch.from_numpy(tok.upsample(decoded).astype(np.int64))[None, None].float()
    return F.interpolate(up, size=ori_shape, mode='nearest')[0, 0].long()


def _dice(pred, gt):
    inter = ((pred == gt) & (gt > 0)).sum()
    return float(2 * inter / ((pred > 0).sum() + (gt > 0).sum()))


@pytest.mark.parametrize('resampling', RESAMPLING)
def test_oracle_predicts_the_tokenizer_round_trip_whole(resampling):
    model = build(tok=resampling,
                  test_cfg=dict(mode='whole', oracle=True, sampling=dict(strategy='greedy')))
    rng = np.random.default_rng(5)
    mask = blob_mask(rng, 80, 3)[:60]
    data = model.data_preprocessor(batch([mask], img_shape=(P, P)), training=False)
    sample = model.predict(data['inputs'], data['data_samples'])[0]
    pred = sample.pred_sem_seg.data[0]
    expected = _oracle_expected(model.tokenizer, resized(mask, P, P), mask.shape)
    assert torch.equal(pred, expected)
    if resampling:   # the tokenizer's rule is what shaped the prediction
        decoded, _ = model.tokenizer.decode(sample.pred_tokens.numpy())
        assert not np.array_equal(model.tokenizer.upsample(decoded),
                                  np.repeat(np.repeat(decoded, 4, 0), 4, 1))
    gt = torch.from_numpy(mask.astype(np.int64))
    assert _dice(pred, gt) == _dice(expected, gt) < 1.0          # the ceiling, not 100
    assert torch.equal(sample.pred_tokens, sample.gt_tokens)    # the same tokens


def test_bilinear_rule_resizes_class_scores_not_labels_to_the_original_shape():
    """Small cells in a 48 x 32 image resized to 32 x 32 for the model (S = 16, k = 2,
    as the IPSC demo's 96 x 64 frames at S = 32): with the 'bilinear' rule the
    prediction is resized to 48 x 32 as class scores (like mmseg's logits), which keeps
    the sub-cell boundaries that resizing the 32 x 32 labels would turn to steps."""
    tok = dict(mask_size=16, subsample=dict(factor=2, mode='majority'), upsample='bilinear',
               max_seq_len=256)
    model = build(tok=tok, pre=dict(tokenizer=dict(TOK, **tok)),
                  test_cfg=dict(mode='whole', oracle=True, sampling=dict(strategy='greedy')))
    yy, xx = np.mgrid[:48, :32]
    mask = np.zeros((48, 32), np.uint8)
    for i, (cy, cx, r) in enumerate([(6, 6, 3.5), (8, 22, 4.2), (22, 12, 3.1), (30, 26, 4.6),
                                     (40, 8, 3.8), (41, 20, 2.9)]):
        mask[(yy - cy) ** 2 + (xx - cx) ** 2 < r * r] = 1 + i % 2
    data = model.data_preprocessor(batch([mask], img_shape=(P, P)), training=False)
    pred = model.predict(data['inputs'], data['data_samples'])[0].pred_sem_seg.data[0]
    tokenizer = model.tokenizer
    decoded, _ = tokenizer.decode(tokenizer.encode(resized(mask, P, P)).tokens)
    labels = torch.from_numpy(tokenizer.upsample(decoded))[None, None].float()
    via_labels = F.interpolate(labels, size=mask.shape, mode='nearest')[0, 0].long()
    gt = torch.from_numpy(mask.astype(np.int64))
    assert pred.shape == gt.shape and not torch.equal(pred, via_labels)
    assert _dice(pred, gt) > _dice(via_labels, gt) + 0.01


@pytest.mark.parametrize('resampling', RESAMPLING)
def test_oracle_runs_the_sliding_grid_over_the_ground_truth(resampling):
    model = build(tok=resampling,
                  test_cfg=dict(mode='slide', crop_size=(P, P), stride=(P, P), oracle=True,
                                sampling=dict(strategy='greedy')))
    mask = blob_mask(np.random.default_rng(6), 2 * P, 3)
    data = model.data_preprocessor(batch([mask]), training=False)
    sample = model.predict(data['inputs'], data['data_samples'])[0]
    expected = torch.zeros(2 * P, 2 * P, dtype=torch.long)
    for y in (0, P):
        for x in (0, P):
            expected[y:y + P, x:x + P] = _oracle_expected(
                model.tokenizer, mask[y:y + P, x:x + P], (P, P))
    assert torch.equal(sample.pred_sem_seg.data[0], expected)
    assert sample.decode_report['num_windows'] == 4
    assert torch.equal(sample.pred_tokens, sample.gt_tokens)


def test_oracle_needs_ground_truth():
    model = build(test_cfg=dict(mode='whole', oracle=True))
    with pytest.raises(KeyError, match='gt_sem_seg'):
        model.predict(torch.zeros(1, 3, P, P))
