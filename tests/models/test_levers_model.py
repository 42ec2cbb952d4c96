"""The token model's levers as config switches on Pix2SeqSegmentor (issue 12 item 3):
memory grid, width / depth, drop-path, auxiliary heads, coordinate embeddings and
pointers. Each: the config builds, one training step runs, shapes, gradients reach the new
parameters, bad values give one line naming the option; defaults keep today's model."""
import numpy as np
import pytest
import torch
from mmengine.optim import OptimWrapper
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

from rleseg.models import Pix2SeqSegmentor
from rleseg.models.coordinates import TiedCoordinateEmbedding, coordinate_code
from rleseg.models.drop_path import DropPath

from p2s_helpers import make_batch, tiny_model_cfg

# 32 x 32 patches: the tiny backbone gives 4 x 4 feature tokens; the mask grid is 8 x 8
TOK = dict(scheme='lac', mask_size=8, num_classes=3, starts='2d',
           subsample=dict(factor=4), max_seq_len=64)
FLAT = dict(TOK, starts='flat')
FCN = dict(type='FCNHead', channels=8, num_convs=1, concat_input=False, num_classes=3,
           dropout_ratio=0.0, norm_cfg=dict(type='BN', requires_grad=True),
           loss_decode=dict(type='CrossEntropyLoss', loss_weight=0.4))


def build(tok=TOK, **overrides) -> Pix2SeqSegmentor:
    torch.manual_seed(0)
    return MODELS.build(tiny_model_cfg(tok, **overrides))


def train_once(model, tok=TOK, num=2):
    """One optimiser step on a generated batch; returns the log vars."""
    data, _ = make_batch(tok, num)
    optim = OptimWrapper(torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05))
    log = model.train_step(data, optim)
    assert np.isfinite(float(torch.as_tensor(log['loss']).detach()))
    return log


def loss_backward(model, tok=TOK, key='loss_ce'):
    """Zero the grads, backpropagate one loss term of a generated batch, return losses."""
    data, _ = make_batch(tok, 2)
    model.train()
    model.zero_grad()
    losses = model.loss(**model.data_preprocessor(data, True))
    losses[key].backward()
    return losses


def bad(match, **overrides):
    with pytest.raises(ValueError, match=match):
        build(**overrides)


# ---------------------------------------------------------------------- defaults
def test_defaults_are_todays_model():
    model = build()
    assert model.memory_grid.size is None and model.auxiliary_head is None
    assert not model.with_auxiliary_head
    assert not any(isinstance(m, DropPath) for m in model.modules())
    assert isinstance(model.decoder.token_embed, torch.nn.Embedding)
    explicit = build(memory_size=None, auxiliary_head=None, auxiliary_input='backbone',
                     coordinate_embed=None,
                     encoder=dict(num_layers=1, num_heads=4, mlp_dim=64, dropout=0.0,
                                  drop_path=0.0))
    a, b = model.state_dict(), explicit.state_dict()
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a
                                        if k != '_extra_state')


# ---------------------------------------------------------------------- a. memory grid
@pytest.mark.parametrize('size, grid', [('mask', (8, 8)), ((6, 5), (6, 5)), (4, (4, 4))])
def test_memory_size_sets_the_encoder_grid(size, grid):
    model = build(memory_size=size)
    memory = model.extract_feat(torch.randn(2, 3, 32, 32))
    assert memory.shape == (2, grid[0] * grid[1], 32)
    train_once(model)


def test_memory_size_mask_matches_the_mask_grid_and_feature_index():
    backbone = dict(tiny_model_cfg(TOK)['backbone'], out_indices=(0, 1))
    model = build(memory_size='mask', backbone=backbone, feature_index=0)
    assert model.input_proj[0].in_features == 16          # stage 0: 16 channels, 8 x 8
    feats, memory, grid = model.encode(torch.randn(1, 3, 32, 32))
    assert grid == (8, 8) and memory.shape == (1, 64, 32) and len(feats) == 2


def test_memory_size_bad_value():
    bad(r"^memory_size must be None, 'mask'", memory_size='feature')


# ---------------------------------------------------------------------- b. width / depth
def test_width_and_depth_come_from_the_config():
    model = build(d_model=48, encoder=dict(num_layers=3, num_heads=6, mlp_dim=40),
                  decoder=dict(num_layers=1, num_heads=2, mlp_dim=24, dropout=0.2))
    assert len(model.encoder.layers) == 3 and len(model.decoder.layers) == 1
    assert model.encoder.layers[0].self_attn.num_heads == 6
    assert model.encoder.layers[0].linear1.out_features == 40
    assert model.decoder.layers[0].num_heads == 2 and model.decoder.dropout == 0.2
    assert model.decoder.layers[0].mlp.fc1.out_features == 24
    assert model.decoder.token_embed.weight.shape[1] == 48
    assert model.extract_feat(torch.randn(1, 3, 32, 32)).shape == (1, 16, 48)
    train_once(model)


def test_width_and_depth_bad_values():
    bad(r'^d_model must be divisible by 4', d_model=30)
    bad(r'^encoder\.num_heads=3 does not divide d_model=32',
        encoder=dict(num_layers=1, num_heads=3, mlp_dim=8))
    bad(r"^decoder: unknown key\(s\) \['layers'\]", decoder=dict(layers=2))


# ---------------------------------------------------------------------- e. drop-path
def test_drop_path_in_encoder_and_decoder():
    model = build(encoder=dict(num_layers=1, num_heads=4, mlp_dim=64, drop_path=0.1),
                  decoder=dict(num_layers=2, num_heads=4, mlp_dim=64, drop_path=0.2))
    assert [m.drop_path.p for m in model.encoder.layers] == [0.1]
    assert [m.drop_path.p for m in model.decoder.layers] == [0.2, 0.2]
    assert model.state_dict().keys() == build().state_dict().keys()
    train_once(model)
    model.eval()
    x = torch.randn(2, 3, 32, 32)
    assert torch.equal(model.extract_feat(x), model.extract_feat(x))   # off at inference


def test_drop_path_bad_value():
    bad(r'^decoder\.drop_path must be a number in \[0, 1\)',
        decoder=dict(num_layers=1, num_heads=4, mlp_dim=8, drop_path=1.0))


# ---------------------------------------------------------------------- c. auxiliary head
@pytest.mark.parametrize('where, head', [
    ('backbone', dict(FCN, in_channels=32)),       # stage 1 of the tiny backbone
    ('encoder', FCN),                              # in_channels defaults to d = 32
])
def test_auxiliary_head_trains_with_the_token_loss(where, head):
    model = build(auxiliary_head=head, auxiliary_input=where)
    assert model.with_auxiliary_head
    log = train_once(model)
    assert {'loss_ce', 'acc_tok', 'aux.loss_ce', 'aux.acc_seg'} <= set(log)
    assert float(log['loss']) == pytest.approx(float(log['loss_ce'])
                                               + float(log['aux.loss_ce']), rel=1e-5)
    # the auxiliary loss alone reaches its head and the shared features
    loss_backward(model, key='aux.loss_ce')
    assert model.auxiliary_head.conv_seg.weight.grad.abs().sum() > 0
    assert model.backbone.conv1.weight.grad.abs().sum() > 0
    reached = model.encoder.layers[0].linear1.weight.grad
    if where == 'encoder':
        assert reached.abs().sum() > 0
    else:
        assert reached is None or reached.abs().sum() == 0


def test_auxiliary_head_list_prefixes_like_mmseg():
    backbone = dict(tiny_model_cfg(TOK)['backbone'], out_indices=(0, 1))
    model = build(backbone=backbone, auxiliary_head=[dict(FCN, in_channels=16, in_index=0),
                                                     dict(FCN, in_channels=32, in_index=1)])
    log = train_once(model)
    assert {'aux_0.loss_ce', 'aux_1.loss_ce', 'aux_0.acc_seg'} <= set(log)


def test_auxiliary_head_never_runs_at_inference():
    torch.manual_seed(0)
    model = build(auxiliary_head=FCN, auxiliary_input='encoder')
    train_once(model)
    plain = build()
    state = {k: v for k, v in model.state_dict().items()
             if not k.startswith('auxiliary_head.')}
    plain.load_state_dict(state, strict=True)

    def refuse(*args, **kwargs):
        raise AssertionError('the auxiliary head ran at inference')

    model.auxiliary_head.forward = refuse
    model.eval(), plain.eval()
    x = torch.randn(2, 3, 32, 32)
    with_head, without = model.predict(x), plain.predict(x)
    for a, b in zip(with_head, without):
        assert torch.equal(a.pred_tokens, b.pred_tokens)
        assert torch.equal(a.pred_sem_seg.data, b.pred_sem_seg.data)
    # the parameters used at inference are the same set
    assert sum(p.numel() for p in plain.parameters()) == sum(
        p.numel() for n, p in model.named_parameters() if not n.startswith('auxiliary_'))


def test_auxiliary_head_bad_values():
    bad(r"^auxiliary_input must be one of \('backbone', 'encoder'\)",
        auxiliary_head=FCN, auxiliary_input='decoder')
    bad(r"^auxiliary_head\.in_channels must be d_model=32",
        auxiliary_head=dict(FCN, in_channels=64), auxiliary_input='encoder')


# ---------------------------------------------------------------------- d. coordinates
@pytest.mark.parametrize('tok', [TOK, FLAT], ids=['2d', 'flat'])
def test_coordinate_embed_init(tok):
    model = build(tok, coordinate_embed='init', memory_size='mask')
    ids, code = coordinate_code(model.tokenizer, 32)
    weight = model.decoder.token_embed.weight
    assert torch.allclose(weight[ids], code)
    loss_backward(model, tok)
    assert model.decoder.token_embed.weight.grad[ids].abs().sum() > 0
    train_once(model, tok)


@pytest.mark.parametrize('tok', [TOK, FLAT], ids=['2d', 'flat'])
def test_coordinate_embed_tied(tok):
    model = build(tok, coordinate_embed='tied')
    emb = model.decoder.token_embed
    ids, code = coordinate_code(model.tokenizer, 32)
    vocab = model.vocab_layout.vocab_size
    assert isinstance(emb, TiedCoordinateEmbedding)
    assert emb.weight.shape == (vocab, 32) and emb.free_weight.shape == (vocab - len(ids), 32)
    assert torch.allclose(emb.weight[ids], code)
    loss_backward(model, tok)
    assert emb.gain.grad.abs() > 0 and emb.free_weight.grad.abs().sum() > 0
    train_once(model, tok)
    assert torch.allclose(emb.weight[ids], emb.gain * code)       # still tied
    out = model.eval().predict(torch.randn(2, 3, 32, 32))
    assert out[0].pred_sem_seg.data.shape == (1, 32, 32)
    # tied weights round-trip through a state dict
    again = build(tok, coordinate_embed='tied')
    again.load_state_dict(model.state_dict())
    assert torch.equal(again.decoder.token_embed.weight, emb.weight)


def test_coordinate_embed_bad_value():
    bad(r"^coordinate_embed must be None or one of \('init', 'tied'\)",
        coordinate_embed='pointer')


def _pointer_learns_and_decodes(model, tok, head) -> tuple[torch.Tensor, torch.Tensor]:
    """A pointer head's keys get gradients, and after one optimiser step its queries
    too (the keys start at zero); cached and uncached greedy decoding agree. Returns
    the test images (2, 3, 32, 32) and their cached generation."""
    loss_backward(model, tok)
    assert head.key.weight.grad.abs().sum() > 0
    train_once(model, tok)
    loss_backward(model, tok)
    assert head.query.weight.grad.abs().sum() > 0           # keys are no longer zero
    model.eval()
    x = torch.randn(2, 3, 32, 32)
    cached = model.generate_tokens(x)
    assert torch.equal(cached, model.generate_tokens(x, use_cache=False))
    return x, cached


@pytest.mark.parametrize('tok', [TOK, FLAT], ids=['2d', 'flat'])
def test_coordinate_pointer(tok):
    model = build(tok, coordinate_pointer=True, memory_size='mask',
                  coordinate_embed='init')
    pointer = model.decoder.pointer
    ids, _ = coordinate_code(model.tokenizer, 32)
    assert torch.equal(pointer.ids, ids) and pointer.cells.shape == (len(ids), 64)
    x, _ = _pointer_learns_and_decodes(model, tok, pointer)
    assert model.predict(x)[0].pred_sem_seg.data.shape == (1, 32, 32)


def test_coordinate_pointer_bad_values():
    bad(r"^coordinate_pointer=True needs memory_size='mask'", coordinate_pointer=True)
    bad(r'^coordinate_pointer must be True or False', coordinate_pointer=1,
        memory_size='mask')


def test_length_pointer():
    model = build(FLAT, coordinate_pointer=True, length_pointer=True, memory_size='mask',
                  coordinate_embed='init')
    head = model.decoder.length_pointer
    assert torch.equal(head.ids, torch.arange(*model.vocab_layout.ranges['lac']))
    assert head.cell_of_scan.shape == (64, )
    x, cached = _pointer_learns_and_decodes(model, FLAT, head)
    model.test_cfg['decode_impl'] = 'static'
    assert torch.equal(cached, model.generate_tokens(x))
    assert model.predict(x)[0].pred_sem_seg.data.shape == (1, 32, 32)


def test_length_pointer_bad_values():
    bad(r"^length_pointer=True needs memory_size='mask'", tok=FLAT, length_pointer=True)
    bad(r"^length_pointer=True needs flat starts", length_pointer=True, memory_size='mask')
    bad(r'^length_pointer must be True or False', tok=FLAT, length_pointer='end',
        memory_size='mask')

# ---------------------------------------------------------------------- video / panoptic
VIDEO_TOK = dict(scheme='3d-lac', mask_size=8, num_classes=3, window=2, starts='2d',
                 subsample=dict(factor=4), max_seq_len=96)


def video_model(**overrides):
    cfg = tiny_model_cfg(VIDEO_TOK, type='Pix2SeqVideoSegmentor', fusion='late', **overrides)
    cfg['data_preprocessor'] = None
    torch.manual_seed(0)
    return MODELS.build(cfg)


def test_video_model_inherits_memory_grid_drop_path_and_coordinates():
    model = video_model(memory_size='mask', coordinate_embed='tied',
                        encoder=dict(num_layers=2, num_heads=4, mlp_dim=64, drop_path=0.1))
    assert model.extract_feat(torch.randn(2, 6, 32, 32)).shape == (2, 2 * 64, 32)
    assert [m.drop_path.p for m in model.encoder.layers] == [0.1, 0.1]
    data, _ = make_batch(VIDEO_TOK, 2)
    inputs = torch.stack(data['inputs']).float()
    inputs = torch.cat([inputs, inputs], dim=1)                 # 2 frames as channels
    losses = model.loss(inputs, data['data_samples'])
    losses['loss_ce'].backward()
    assert model.decoder.token_embed.gain.grad.abs() > 0


def test_video_model_refuses_an_auxiliary_head():
    with pytest.raises(ValueError, match=r'^Pix2SeqVideoSegmentor: auxiliary_head is not'):
        video_model(auxiliary_head=dict(FCN, in_channels=32))


def test_panoptic_model_trains_an_auxiliary_head():
    tok = dict(scheme='instance', mask_size=8, num_classes=3, subsample=dict(factor=4),
               max_seq_len=96)
    cfg = tiny_model_cfg(tok, type='Pix2SeqPanopticSegmentor', auxiliary_head=FCN,
                         auxiliary_input='encoder', memory_size='mask')
    cfg['data_preprocessor'] = None
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    sem = np.zeros((32, 32), np.int64)
    inst = np.zeros((32, 32), np.int64)
    sem[4:12, 4:20], inst[4:12, 4:20] = 1, 7
    sem[20:30, 8:16], inst[20:30, 8:16] = 2, 9
    enc = model.tokenizer.encode(sem.astype(np.uint8), inst)
    sample = SegDataSample(metainfo=dict(ori_shape=(32, 32), img_shape=(32, 32)))
    sample.gt_sem_seg = PixelData(data=torch.from_numpy(sem[None]))
    sample.gt_tokens = torch.as_tensor(enc.tokens)
    sample.gt_token_weights = torch.as_tensor(enc.weights)
    losses = model.loss(torch.randn(1, 3, 32, 32), [sample])
    assert {'loss_ce', 'aux.loss_ce'} <= set(losses)
    (losses['loss_ce'] + losses['aux.loss_ce']).backward()
    assert model.auxiliary_head.conv_seg.weight.grad.abs().sum() > 0
