"""Pix2SeqSegmentor: training signal, decoding validity, inference modes, checkpoints."""
import io
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from mmengine.optim import OptimWrapper
from mmseg.registry import MODELS

from rleseg.models import Pix2SeqSegmentor, RunGrammar, VocabLayoutHook

from p2s_helpers import make_batch, tiny_model_cfg

TOK = dict(scheme='mc', mask_size=8, num_classes=3, subsample=dict(factor=4),
           max_seq_len=64)


def build(tok=TOK, **overrides) -> Pix2SeqSegmentor:
    torch.manual_seed(0)
    return MODELS.build(tiny_model_cfg(tok, **overrides))


def test_loss_decreases_and_gradients_flow():
    model = build()
    data, _ = make_batch(TOK, 4)
    optim = OptimWrapper(torch.optim.AdamW(model.parameters(), lr=3e-3))
    losses = []
    for step in range(6):
        log = model.train_step(data, optim)
        losses.append(float(log['loss_ce']))
        assert np.isfinite(losses[-1]) and 0.0 <= float(log['acc_tok']) <= 100.0
    assert losses[-1] < losses[0] * 0.8, losses
    # gradients of one more step reach the decoder, the encoder and the backbone
    model.zero_grad()
    batch = model.data_preprocessor(data, True)
    model.loss(**batch)['loss_ce'].backward()
    for module in (model.decoder.token_embed, model.decoder.layers[0].cross_q,
                   model.encoder.layers[0].linear1, model.backbone.conv1):
        assert module.weight.grad is not None and module.weight.grad.abs().sum() > 0


def test_frozen_backbone_stages_get_no_gradient():
    backbone = tiny_model_cfg(TOK)['backbone']
    backbone['frozen_stages'] = 1
    model = build(backbone=backbone)
    model.train()
    data, _ = make_batch(TOK, 2)
    batch = model.data_preprocessor(data, True)
    model.loss(**batch)['loss_ce'].backward()
    assert model.backbone.conv1.weight.grad is None
    assert model.backbone.layer1[0].conv1.weight.grad is None
    assert model.backbone.layer2[0].conv1.weight.grad.abs().sum() > 0


def test_loss_options():
    model = build(loss=dict(pad_weight=0.0, label_smoothing=0.1, class_token_weight=3.0))
    data, _ = make_batch(TOK, 2)
    batch = model.data_preprocessor(data, True)
    out = model.loss(**batch)
    assert torch.isfinite(out['loss_ce']) and out['loss_ce'] > 0
    plain = build().loss(**batch)['loss_ce']
    assert not torch.isclose(out['loss_ce'], plain)
    # without gt_tokens the loss explains what is missing
    for s in batch['data_samples']:
        del s.gt_tokens
    with pytest.raises(KeyError, match='RLETokenize'):
        model.loss(**batch)


SCHEMES = [
    dict(scheme='bin', num_classes=2), dict(scheme='mc'), dict(scheme='lac'),
    dict(scheme='bin', num_classes=2, starts='2d'), dict(scheme='mc', starts='2d',
                                                         order='col'),
    dict(scheme='lac', starts='2d'), dict(scheme='lac', order='col', max_length=5),
    dict(scheme='3d-lac', window=2, task='static_video'),
    dict(scheme='3d-mc', window=2, starts='2d', task='static_video'),
    dict(scheme='tac', window=2, task='static_video'),
    dict(scheme='ltac', window=2, task='static_video'),
]


@pytest.mark.parametrize('extra', SCHEMES, ids=lambda d: '-'.join(map(str, d.values())))
def test_constrained_decoding_is_always_valid(extra):
    """An untrained model, sampled hot, only emits sequences that decode cleanly."""
    tok = {**TOK, 'max_seq_len': 96, **extra}
    model = build(tok).eval()
    tokenizer = model.tokenizer
    inputs = torch.randn(6, 3, 32, 32)
    for sampling in (dict(strategy='greedy'), dict(strategy='sample', top_p=1.0,
                                                   temperature=2.0)):
        tokens = model.generate_tokens(inputs, sampling=sampling)
        assert tokens.shape == (6, tokenizer.max_seq_len)
        assert (tokens[:, 0] == model.task_id).all()
        for row in tokens.tolist():
            assert tokenizer.layout.eos_id in row
        for _, report in tokenizer.decode_batch(tokens.numpy()):
            r = report.to_dict()
            assert r['num_dropped_tokens'] == 0 and r['num_dropped_runs'] == 0
            assert r['num_clipped_runs'] == 0
    # the tokenizer's own encodings are legal in the grammar
    grammar = RunGrammar.from_tokenizer(tokenizer)
    data, _ = make_batch(tok, 4, seed=3)
    for s in data['data_samples']:
        seq = s.gt_tokens.tolist()
        assert grammar.accepts(seq[1:], tokenizer.max_seq_len)


def test_grammar_fits_run_is_where_a_run_may_start():
    grammar = build().grammar
    state = grammar.init_state(1, torch.device('cpu'))
    starts = list(grammar.fields[0].ids)
    for position in range(1, 40):
        can_start = bool(grammar.allowed(state, position, 40)[0, starts].any())
        assert can_start == grammar.fits_run(position, 40)
    assert grammar.fits_run(36, 40) and not grammar.fits_run(37, 40)   # mc: 3 per run


def test_generations_cut_by_the_length_limit_count_as_truncated():
    """Constrained decoding forces EOS where no run fits before L (here L = 64, 3
    tokens per run): such a sequence is terminated, yet it was cut by L."""
    reports = [dict(num_tokens=61, truncated=0), dict(num_tokens=62, truncated=0),
               dict(num_tokens=64, truncated=1)]
    build(test_cfg=dict(mode='whole', constrained=False)).mark_length_limited(reports)
    assert [r['truncated'] for r in reports] == [0, 0, 1]
    build().mark_length_limited(reports)
    assert [r['truncated'] for r in reports] == [0, 1, 1]
    # L = 8: task + two runs + EOS; hot sampling fills L in some rows, not in others
    model = build({**TOK, 'max_seq_len': 8}, test_cfg=dict(mode='whole', sampling=dict(
        strategy='sample', top_p=1.0, temperature=5.0))).eval()
    with torch.no_grad():
        samples = model.predict(torch.randn(16, 3, 32, 32))
    truncated = [sample.decode_report['truncated'] for sample in samples]
    assert truncated == [int(s.decode_report['num_tokens'] > 5) for s in samples]
    assert 0 < sum(truncated) < len(samples)


def test_unconstrained_decoding_can_be_switched_on():
    model = build(test_cfg=dict(mode='whole', constrained=False,
                                sampling=dict(strategy='sample', top_p=1.0,
                                              temperature=5.0))).eval()
    tokens = model.generate_tokens(torch.randn(4, 3, 32, 32))
    reports = [r.to_dict() for _, r in model.tokenizer.decode_batch(tokens.numpy())]
    assert any(r['num_dropped_tokens'] > 0 or r['num_dropped_runs'] > 0 for r in reports)


def test_kv_cache_matches_full_recompute_in_the_model():
    """Greedy, on a briefly trained model whose sequences differ in length."""
    model = build()
    data, _ = make_batch(TOK, 4, seed=1)
    optim = OptimWrapper(torch.optim.AdamW(model.parameters(), lr=3e-3))
    for _ in range(15):
        model.train_step(data, optim)
    model.eval()
    inputs = model.data_preprocessor(data, False)['inputs']
    cached = model.generate_tokens(inputs, use_cache=True)
    full = model.generate_tokens(inputs, use_cache=False)
    assert torch.equal(cached, full)
    lengths = (cached != model.vocab_layout.pad_id).sum(1)
    assert len(set(lengths.tolist())) > 1, lengths  # rows of different lengths


def test_sampling_is_seeded():
    model = build(test_cfg=dict(mode='whole', seed=7)).eval()
    inputs = torch.randn(3, 3, 32, 32)
    assert torch.equal(model.generate_tokens(inputs), model.generate_tokens(inputs))


def test_predict_whole_returns_masks_at_ori_shape():
    model = build().eval()
    data, _ = make_batch(TOK, 2)
    for s in data['data_samples']:
        s.set_metainfo(dict(ori_shape=(50, 45)))
    out = model.test_step(data)
    for sample in out:
        assert sample.pred_sem_seg.data.shape == (1, 50, 45)
        assert sample.pred_sem_seg.data.dtype == torch.int64
        assert sample.pred_tokens.shape == (TOK['max_seq_len'], )
        assert set(sample.decode_report) >= {'num_tokens', 'num_runs',
                                             'num_dropped_tokens', 'num_dropped_runs',
                                             'truncated'}
    # the prediction is the decoded sequence, upsampled
    grid, _ = model.tokenizer.decode(out[0].pred_tokens.numpy())
    up = model.tokenizer.upsample(grid)
    resized = torch.nn.functional.interpolate(
        torch.from_numpy(up.astype(np.float32))[None, None], size=(50, 45),
        mode='nearest')[0].long()
    assert torch.equal(resized, out[0].pred_sem_seg.data)


def test_predict_slide_stitches_windows():
    model = build(test_cfg=dict(mode='slide', crop_size=(32, 32), stride=(16, 16),
                                merge='max', window_batch=3)).eval()
    inputs = torch.randn(1, 3, 48, 40)
    out = model.predict(inputs)[0]
    assert out.pred_sem_seg.data.shape == (1, 48, 40)
    # windows: rows at 0, 16 (reaches 48); cols at 0, 16 (reaches 48 > 40, padded)
    assert out.pred_tokens.shape == (4, TOK['max_seq_len'])
    assert out.decode_report['num_windows'] == 4
    # a window that covers the whole image reproduces whole-image inference
    model.test_cfg.update(crop_size=(48, 40), stride=(48, 40))
    slide = model.predict(inputs)[0].pred_sem_seg.data
    model.test_cfg['mode'] = 'whole'
    assert torch.equal(slide, model.predict(inputs)[0].pred_sem_seg.data)


def test_checkpoint_roundtrip_and_layout_check():
    model = build(test_cfg=dict(mode='whole', sampling=dict(strategy='sample', top_p=0.9),
                                seed=3)).eval()
    inputs = torch.randn(3, 3, 32, 32)
    before = model.generate_tokens(inputs)
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    buf.seek(0)
    state = torch.load(buf, weights_only=True)
    assert state['_extra_state']['vocab_layout'] == model.vocab_layout.to_dict()
    clone = build(test_cfg=dict(mode='whole', sampling=dict(strategy='sample', top_p=0.9),
                                seed=3))
    clone.load_state_dict(state)
    assert torch.equal(clone.eval().generate_tokens(inputs), before)
    # same network sizes, different tokenizer layout: refused in one line
    other = build(dict(TOK, max_length=4))
    with pytest.raises(ValueError, match='vocabulary layout'):
        other.load_state_dict(state, strict=False)
    # the hook writes the layout into the checkpoint meta and checks it on load
    hook = VocabLayoutHook()
    checkpoint = dict(meta={}, state_dict=state)
    hook.before_save_checkpoint(SimpleNamespace(model=model), checkpoint)
    assert checkpoint['meta']['vocab_layout'] == model.vocab_layout.to_dict()
    hook.after_load_checkpoint(SimpleNamespace(model=clone), checkpoint)
    with pytest.raises(ValueError, match='vocabulary layout'):
        hook.after_load_checkpoint(SimpleNamespace(model=other), checkpoint)
