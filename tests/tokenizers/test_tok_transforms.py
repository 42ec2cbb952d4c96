"""RLETokenize / PackRLESegInputs registered in mmseg's TRANSFORMS."""
import numpy as np
import pytest
import torch
from mmseg.registry import TRANSFORMS

import rleseg.datasets.transforms  # noqa: F401  (registers the transforms)
from rleseg.tokenizers import build_tokenizer

TOK = dict(scheme='mc', mask_size=8, num_classes=3, max_seq_len=64,
           subsample=dict(factor=2, mode='nearest'))


def _results(seg, img=None):
    seg = np.asarray(seg, np.uint8)
    img = np.zeros(seg.shape[-2:] + (3,), np.uint8) if img is None else img
    return dict(img=img, gt_seg_map=seg, img_shape=seg.shape[-2:], ori_shape=seg.shape[-2:],
                seg_fields=['gt_seg_map'])


def test_registered_and_tokenises_with_subsampling():
    tokenize = TRANSFORMS.build(dict(type='RLETokenize', tokenizer=TOK))
    pack = TRANSFORMS.build(dict(type='PackRLESegInputs'))
    seg = np.zeros((16, 16), np.uint8)
    seg[2:8, 4:12] = 1
    seg[10:16, 0:6] = 2
    out = pack(tokenize(_results(seg)))
    sample = out['data_samples']
    assert out['inputs'].shape == (3, 16, 16)
    assert sample.gt_tokens.dtype == torch.long and sample.gt_tokens.shape == (64,)
    assert sample.gt_token_weights.dtype == torch.float32
    assert sample.gt_sem_seg.data.shape == (1, 16, 16)
    assert sample.metainfo['token_stats']['num_runs'] > 0
    tok = build_tokenizer(TOK)
    decoded, _ = tok.decode(sample.gt_tokens.numpy())
    assert np.array_equal(tok.upsample(decoded), seg)


def test_window_scheme_and_frame_packing():
    tok_cfg = dict(scheme='tac', mask_size=4, num_classes=3, window=2, max_seq_len=64)
    seg = np.zeros((2, 4, 4), np.uint8)
    seg[0, 1:3, 1:3] = 1
    seg[1, 0, :] = 2
    res = _results(seg, img=np.zeros((2, 4, 4, 3), np.uint8))
    out = TRANSFORMS.build(dict(type='PackRLESegInputs'))(
        TRANSFORMS.build(dict(type='RLETokenize', tokenizer=tok_cfg))(res))
    assert out['inputs'].shape == (2, 3, 4, 4)
    assert out['data_samples'].gt_sem_seg.data.shape == (2, 4, 4)
    decoded, rep = build_tokenizer(tok_cfg).decode(out['data_samples'].gt_tokens.numpy())
    assert np.array_equal(decoded, seg) and rep.num_dropped_tokens == 0


def test_instance_scheme_reads_instance_map():
    cfg = dict(scheme='instance', mask_size=4, num_classes=2, max_seq_len=32)
    seg = np.zeros((4, 4), np.uint8)
    seg[0, :2] = seg[3, 2:] = 1
    inst = np.zeros((4, 4), np.int32)
    inst[0, :2], inst[3, 2:] = 3, 5
    tokenize = TRANSFORMS.build(dict(type='RLETokenize', tokenizer=cfg))
    with pytest.raises(KeyError, match='gt_instance_map'):
        tokenize(_results(seg))
    res = tokenize(dict(_results(seg), gt_instance_map=inst))
    assert res['token_stats']['num_groups'] == 2
    out = TRANSFORMS.build(dict(type='PackRLESegInputs'))(res)
    assert out['data_samples'].gt_instance_map.data.shape == (1, 4, 4)


def test_empty_samples_dropped_by_probability():
    tokenize = TRANSFORMS.build(dict(type='RLETokenize', tokenizer=TOK, empty_keep_prob=0.0))
    assert tokenize(_results(np.zeros((16, 16)))) is None
    seg = np.zeros((16, 16))
    seg[0, 0] = 1
    assert tokenize(_results(seg)) is not None


def test_transform_tokens_and_model_side_tokens_agree():
    """RLETokenize in the data workers and Pix2SeqDataPreProcessor on the model side
    give the same targets; the preprocessor keeps tokens a transform already wrote."""
    from mmengine.dataset import pseudo_collate
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS

    import rleseg.models  # noqa: F401  (registers the preprocessor)
    init_default_scope('mmseg')
    seg = np.zeros((16, 16), np.uint8)
    seg[1:9, 3:14] = 2
    seg[11:15, 0:5] = 1
    pack = TRANSFORMS.build(dict(type='PackRLESegInputs'))
    tokenize = TRANSFORMS.build(dict(type='RLETokenize', tokenizer=TOK))
    by_transform = pseudo_collate([pack(tokenize(_results(seg)))])
    by_model = pseudo_collate([pack(_results(seg))])
    assert not hasattr(by_model['data_samples'][0], 'gt_tokens')
    pre = MODELS.build(dict(type='Pix2SeqDataPreProcessor', tokenizer=TOK, size=(16, 16)))
    written = by_transform['data_samples'][0].gt_tokens
    a = pre(by_transform, training=True)['data_samples'][0]
    b = pre(by_model, training=True)['data_samples'][0]
    assert torch.equal(a.gt_tokens.cpu(), written)      # left alone
    assert torch.equal(a.gt_tokens, b.gt_tokens)
    assert torch.equal(a.gt_token_weights, b.gt_token_weights)
    assert a.metainfo['token_stats'] == b.metainfo['token_stats']
