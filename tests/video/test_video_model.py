"""Pix2SeqVideoSegmentor: forward / loss / predict for every fusion and window scheme,
and the static-video model (image model on frame 0, window sequence out)."""
import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

import rleseg  # noqa: F401
from rleseg.models.video_segmentor import TimeClassEmbedding, time_class_labels
from rleseg.tokenizers import build_tokenizer

N, SIZE, S = 3, 32, 16          # frames, image size, mask size (subsample x2)
BACKBONE = dict(type='ResNetV1c', depth=18, num_stages=2, strides=(1, 2),
                dilations=(1, 1), out_indices=(1, ), stem_channels=16, base_channels=8,
                norm_cfg=dict(type='BN', requires_grad=True), init_cfg=None)


def _tokenizer(scheme, task=None):
    return dict(scheme=scheme, mask_size=S, num_classes=3, window=N,
                subsample=dict(factor=2), max_seq_len=160, task=task)


def _model(scheme, fusion, model_type='Pix2SeqVideoSegmentor', task=None, **kwargs):
    torch.manual_seed(0)
    cfg = dict(type=model_type, backbone=BACKBONE, tokenizer=_tokenizer(scheme, task),
               d_model=32, encoder=dict(num_layers=2, num_heads=4, mlp_dim=64, dropout=0.0),
               decoder=dict(num_layers=2, num_heads=4, mlp_dim=64, dropout=0.0),
               test_cfg=dict(sampling=dict(strategy='greedy')), **kwargs)
    if fusion is not None:
        cfg['fusion'] = fusion
    return MODELS.build(cfg)


def _samples(tok, masks):
    samples = []
    for mask in masks:
        enc = tok.encode(mask)
        sample = SegDataSample(metainfo=dict(ori_shape=(SIZE, SIZE), img_shape=(SIZE, SIZE)))
        sample.gt_tokens = torch.as_tensor(enc.tokens)
        sample.gt_token_weights = torch.as_tensor(enc.weights)
        samples.append(sample)
    return samples


def _masks(batch=2):
    """(batch, N, SIZE, SIZE) windows: one moving box per frame, class alternating."""
    masks = np.zeros((batch, N, SIZE, SIZE), np.uint8)
    for b in range(batch):
        for t in range(N):
            y, x = 4 + 2 * t + b, 6 + t
            masks[b, t, y:y + 10, x:x + 8] = 1 + (b + t) % 2
    return masks


@pytest.mark.parametrize('scheme', ['3d-mc', 'tac', 'ltac'])
@pytest.mark.parametrize('fusion', ['middle', 'late', 'cell'])
def test_forward_loss_predict(scheme, fusion):
    model = _model(scheme, fusion)
    tok = model.tokenizer
    assert tok.window == N and model.num_frames == N
    inputs = torch.randn(2, 3 * N, SIZE, SIZE)
    memory = model.extract_feat(inputs)
    tokens_per_frame = (SIZE // 8) ** 2
    assert memory.shape == (2, tokens_per_frame * (N if fusion == 'late' else 1), 32)
    model.train()
    losses = model.loss(inputs, _samples(tok, _masks()))
    assert torch.isfinite(losses['loss_ce']) and losses['loss_ce'] > 0
    losses['loss_ce'].backward()
    if fusion == 'cell':             # the concatenation names the frames: no embedding
        assert not isinstance(model.frame_embed, torch.nn.Parameter)
        assert model.cell_fuse.weight.grad.abs().sum() > 0
    else:
        assert model.frame_embed.grad is not None and model.frame_embed.grad.abs().sum() > 0
    if fusion == 'middle':
        assert model.frame_attn.attn.in_proj_weight.grad.abs().sum() > 0
    model.eval()
    out = model.predict(inputs, _samples(tok, _masks()))
    for sample in out:
        assert sample.pred_sem_seg.data.shape == (N, SIZE, SIZE)
        assert int(sample.pred_sem_seg.data.max()) < 3
        report = sample.decode_report
        assert report['num_dropped_tokens'] == 0 and report['num_dropped_runs'] == 0
        assert sample.pred_tokens[0] == tok.layout.special['video']


def test_bilinear_rule_resizes_each_frame_s_class_scores_to_the_original_shape():
    torch.manual_seed(0)
    cfg = dict(_tokenizer('3d-mc'), subsample=dict(factor=2, mode='majority'),
               upsample='bilinear')
    model = MODELS.build(dict(
        type='Pix2SeqVideoSegmentor', backbone=BACKBONE, tokenizer=cfg, d_model=32,
        encoder=dict(num_layers=1, num_heads=4, mlp_dim=64, dropout=0.0),
        decoder=dict(num_layers=1, num_heads=4, mlp_dim=64, dropout=0.0),
        test_cfg=dict(sampling=dict(strategy='greedy')))).eval()
    samples = _samples(model.tokenizer, _masks())
    for sample in samples:
        sample.set_metainfo(dict(ori_shape=(48, 40)))
    out = model.predict(torch.randn(2, 3 * N, SIZE, SIZE), samples)
    for sample in out:
        grid, _ = model.tokenizer.decode(sample.pred_tokens.numpy())   # (N, S, S)
        scores = torch.from_numpy(model.tokenizer.upsample_scores(grid, (SIZE, SIZE)))
        expected = torch.nn.functional.interpolate(
            scores, size=(48, 40), mode='bilinear', align_corners=False).argmax(1)
        assert sample.pred_sem_seg.data.shape == (N, 48, 40)
        assert torch.equal(sample.pred_sem_seg.data, expected)


@pytest.mark.parametrize('fusion', ['middle', 'late', 'cell'])
def test_every_frame_reaches_the_memory(fusion):
    model = _model('tac', fusion).eval()
    inputs = torch.randn(1, 3 * N, SIZE, SIZE)
    base = model.extract_feat(inputs)
    for t in range(N):
        changed = inputs.clone()
        changed[:, 3 * t:3 * t + 3] += 1.0
        assert not torch.allclose(model.extract_feat(changed), base, atol=1e-5), t


@pytest.mark.parametrize('fusion', ['middle', 'cell'])
def test_fused_cell_reads_every_frame_at_its_own_place(fusion):
    """Cell fusion: the fused cell (y, x) is a function of the N frames' cells (y, x)
    only, so each frame's label at a place can reach the cell a tac class describes.
    Middle fusion: frame t > 0 reaches frame 0's cells through attention over all its
    cells, so one changed cell moves every fused cell."""
    model = _model('tac', fusion).eval()
    m = (SIZE // 8) ** 2
    tokens = torch.randn(2, N, m, 32)
    base = model.fuse_frames(tokens)
    assert base.shape == (2, m, 32)
    for t in range(N):
        changed = tokens.clone()
        changed[:, t, 5] += torch.randn(32)          # not a constant: LayerNorm keeps it
        moved = (model.fuse_frames(changed) - base).abs().sum(-1)[0] > 1e-6
        if fusion == 'cell' or t == 0:
            assert torch.nonzero(moved).flatten().tolist() == [5], t
        else:
            assert bool(moved.all()), t


@pytest.mark.parametrize('scheme', ['tac', 'ltac'])
def test_time_class_tokens_share_their_frames_labels(scheme):
    """time_class_embed: a class token's row is its own row plus one learned part per
    (frame, label) it holds (C = 3, N = 3: class v holds (v // 3**t) % 3 in frame t);
    the loss trains those parts, and the model starts as without them."""
    plain = _model(scheme, 'cell')
    model = _model(scheme, 'cell', time_class_embed=True)
    embed = model.decoder.token_embed
    assert isinstance(embed, TimeClassEmbedding)
    assert torch.equal(embed.weight, plain.decoder.token_embed.weight)   # init: zero parts
    ids, labels = time_class_labels(model.tokenizer)
    _, _, values = model.tokenizer.field_values('lac' if scheme == 'ltac' else 'class')
    assert labels.shape == (len(ids), N * 2) and torch.equal(ids, torch.from_numpy(
        np.arange(*model.tokenizer.layout.ranges['lac' if scheme == 'ltac' else 'class'])))
    k = int(np.nonzero(values == 1 + 2 * 3 + 1 * 9)[0][0])      # labels 1, 2, 1 in t = 0..2
    assert torch.nonzero(labels[k]).flatten().tolist() == [0, 3, 4]
    with torch.no_grad():
        embed.frame_labels.normal_()
    parts = embed.frame_labels[[0, 3, 4]].sum(0)
    assert torch.allclose(embed.weight[ids[k]], embed.embed.weight[ids[k]] + parts)
    assert torch.equal(embed.weight[:ids[0]], embed.embed.weight[:ids[0]])   # others
    inputs = torch.randn(2, 3 * N, SIZE, SIZE)
    model.train()
    model.loss(inputs, _samples(model.tokenizer, _masks()))['loss_ce'].backward()
    assert embed.frame_labels.grad.abs().sum() > 0
    with pytest.raises(ValueError, match='time_class_embed needs a tac or ltac'):
        _model('3d-mc', 'cell', time_class_embed=True)


def test_static_video_model_outputs_the_window_from_frame_0():
    """The image model with a window tokenizer (task 'static_video'), fed frame 0 as
    FormatWindow(static) gives it: window targets in, N frames out."""
    model = _model('tac', None, 'Pix2SeqSegmentor', task='static_video')
    tok = model.tokenizer
    assert tok.task == 'static_video' and tok.window == N
    frame0 = torch.randn(1, 3, SIZE, SIZE)
    losses = model.loss(frame0, _samples(tok, _masks(1)))
    assert torch.isfinite(losses['loss_ce'])
    out = model.eval().predict(frame0)[0]
    assert out.pred_sem_seg.data.shape == (N, SIZE, SIZE)
    assert out.pred_tokens[0] == tok.layout.special['static_video']


def test_window_length_and_fusion_are_checked():
    model = _model('tac', 'late')
    with pytest.raises(ValueError, match='multiple of the window length'):
        model.extract_feat(torch.randn(1, 3 * N + 1, SIZE, SIZE))
    with pytest.raises(ValueError, match='fusion must be one of'):
        _model('tac', 'early')
    tok = build_tokenizer(_tokenizer('tac'))
    assert tok.layout == model.vocab_layout


def _window_batch(masks):
    """Dataloader-style window items: (3N, SIZE, SIZE) uint8 frames, N-channel gt."""
    samples = []
    for mask in masks:
        sample = SegDataSample(metainfo=dict(ori_shape=(SIZE, SIZE), img_shape=(SIZE, SIZE)))
        sample.gt_sem_seg = PixelData(data=torch.from_numpy(mask.astype(np.int64)))
        samples.append(sample)
    inputs = [torch.full((3 * N, SIZE, SIZE), 100, dtype=torch.uint8) for _ in masks]
    return dict(inputs=inputs, data_samples=samples)


@pytest.mark.parametrize('scheme', ['tac', '3d-lac'])
def test_preprocessor_tokenises_windows_and_the_oracle_decodes_them(scheme):
    """Per-frame mean / std repeated over the frames; window targets equal the
    tokenizer's; the token ceiling is the window round trip."""
    model = _model(scheme, 'middle', data_preprocessor=dict(
        type='Pix2SeqDataPreProcessor', mean=[100.0, 100.0, 100.0], std=[2.0] * 3,
        bgr_to_rgb=False, size=(SIZE, SIZE)))
    tok = model.tokenizer
    masks = _masks()
    data = model.data_preprocessor(_window_batch(masks), training=True)
    assert data['inputs'].shape == (2, 3 * N, SIZE, SIZE)
    assert float(data['inputs'].abs().max()) == 0.0              # normalised per frame
    for mask, sample in zip(masks, data['data_samples']):
        assert torch.equal(sample.gt_tokens, torch.from_numpy(tok.encode(mask).tokens))
    model.test_cfg['oracle'] = True
    data = model.data_preprocessor(_window_batch(masks), training=False)
    out = model.eval().predict(data['inputs'], data['data_samples'])
    for mask, sample in zip(masks, out):
        decoded, _ = tok.decode(tok.encode(mask).tokens)
        expected = torch.from_numpy(tok.upsample(decoded).astype(np.int64))
        assert torch.equal(sample.pred_sem_seg.data, expected)
        assert torch.equal(sample.pred_tokens, sample.gt_tokens)
