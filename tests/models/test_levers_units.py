"""Building blocks of the token model's levers (issue 12 item 3): drop-path, memory
grid, coordinate codes, tied coordinate embeddings, pointer heads, layer configs,
auxiliary heads."""
import numpy as np
import pytest
import torch
from torch import nn

from rleseg.models.aux_head import auxiliary_inputs, build_auxiliary_head
from rleseg.models.coordinates import (CoordinatePointer, RunEndPointer,
                                       TiedCoordinateEmbedding, apply_coordinate_embed,
                                       apply_coordinate_pointer, apply_length_pointer,
                                       coordinate_cells, coordinate_code, run_end_cells)
from rleseg.models.drop_path import DropPath, add_drop_path
from rleseg.models.layer_config import PAPER_LAYERS, check_width, layer_config
from rleseg.models.memory_grid import MemoryGrid, parse_memory_size, tokens_to_map
from rleseg.models.transformer import (TransformerDecoder, TransformerEncoder,
                                       sine_position_encoding_2d)
from rleseg.tokenizers import build_tokenizer

import p2s_helpers  # noqa: F401  (mmseg default scope for the decode heads)


# ---------------------------------------------------------------------- drop-path
def test_drop_path_drops_whole_samples_in_training_only():
    drop = DropPath(0.5)
    x = torch.ones(400, 3, 2)
    out = drop(x)
    per_sample = out.flatten(1)
    kept = per_sample[:, 0] > 0
    assert torch.all(per_sample[kept] == 2.0) and torch.all(per_sample[~kept] == 0.0)
    assert 100 < int(kept.sum()) < 300
    assert torch.equal(drop.eval()(x), x)


def test_add_drop_path_keeps_state_dict_and_eval_output():
    torch.manual_seed(0)
    plain = TransformerEncoder(16, 3, 4, 32, dropout=0.0)
    dropped = TransformerEncoder(16, 3, 4, 32, dropout=0.0)
    dropped.load_state_dict(plain.state_dict())
    add_drop_path(dropped.layers, 0.5)
    assert set(dropped.state_dict()) == set(plain.state_dict())
    assert all(layer.drop_path.p == 0.5 for layer in dropped.layers)
    x = torch.randn(64, 5, 16)
    plain.eval(), dropped.eval()
    with torch.no_grad():
        assert torch.allclose(dropped(x), plain(x), atol=1e-6)
    # training: with every layer kept or dropped per sample, some samples skip layer 0
    dropped.train()
    layer = dropped.layers[0]
    out = layer(x)
    skipped = (out - x).flatten(1).abs().amax(dim=1) == 0
    assert 0 < int(skipped.sum()) < len(x)


def test_drop_path_on_decoder_layers_reaches_gradients():
    torch.manual_seed(0)
    dec = TransformerDecoder(20, 8, 16, 2, 4, 32)
    add_drop_path(dec.layers, 0.1, 'decoder.drop_path')
    logits = dec(torch.randint(0, 20, (3, 6)), torch.randn(3, 4, 16))
    assert logits.shape == (3, 6, 20)
    logits.sum().backward()
    assert dec.layers[0].self_qkv.weight.grad.abs().sum() > 0


@pytest.mark.parametrize('bad', [1.0, -0.1, '0.1', True])
def test_drop_path_bad_rate_names_the_option(bad):
    with pytest.raises(ValueError, match=r'^encoder\.drop_path must be a number'):
        add_drop_path(TransformerEncoder(8, 1, 2, 8).layers, bad, 'encoder.drop_path')


# ---------------------------------------------------------------------- memory grid
def test_parse_memory_size():
    assert parse_memory_size(None, (16, 16)) is None
    assert parse_memory_size('mask', (3, 16, 12)) == (16, 12)
    assert parse_memory_size(7, (16, 16)) == (7, 7)
    assert parse_memory_size([6, 5], (16, 16)) == (6, 5)
    for bad in ('grid', 0, (4, ), (4, 0), (2.0, 3), True):
        with pytest.raises(ValueError, match=r'^memory_size must be None'):
            parse_memory_size(bad, (16, 16))


def test_memory_grid_resamples_tokens_bilinearly():
    tokens = torch.randn(2, 4 * 3, 8)
    same, grid = MemoryGrid(None)(tokens, (4, 3))
    assert same is tokens and grid == (4, 3)
    out, grid = MemoryGrid((8, 6))(tokens, (4, 3))
    assert out.shape == (2, 48, 8) and grid == (8, 6)
    ref = nn.functional.interpolate(tokens_to_map(tokens, (4, 3)), size=(8, 6),
                                    mode='bilinear', align_corners=False)
    assert torch.equal(tokens_to_map(out, (8, 6)), ref)
    # row-major flattening: token i*w + j is cell (i, j)
    assert torch.equal(tokens_to_map(tokens, (4, 3))[1, :, 2, 1], tokens[1, 2 * 3 + 1])
    with pytest.raises(ValueError, match='do not fill'):
        tokens_to_map(tokens, (5, 3))


# ---------------------------------------------------------------------- coordinates
def _unit(x):
    return x / x.norm(dim=-1, keepdim=True)


@pytest.mark.parametrize('order', ['row', 'col'])
def test_flat_start_codes_are_the_position_code_of_their_cell(order):
    tok = build_tokenizer(dict(scheme='mc', mask_size=(4, 6), num_classes=3, order=order,
                               subsample=dict(factor=1), max_seq_len=32))
    ids, code = coordinate_code(tok, 16)
    lo, hi = tok.layout.ranges['start']
    assert torch.equal(ids, torch.arange(lo, hi)) and code.shape == (24, 16)
    pe = sine_position_encoding_2d(4, 6, 16).view(4, 6, 16)
    for y, x in ((0, 0), (0, 5), (1, 1), (3, 2), (3, 5)):
        mask = np.zeros((4, 6), np.uint8)
        mask[y, x] = 1
        start_id = int(tok.encode(mask).tokens[1])   # task token, then the run's start
        assert torch.allclose(code[start_id - lo], _unit(pe[y, x]))
    assert torch.allclose(code.norm(dim=1), torch.ones(24))
    assert len(torch.unique(code, dim=0)) == 24


def test_row_and_column_codes_use_their_half_of_the_position_code():
    tok = build_tokenizer(dict(scheme='lac', mask_size=8, num_classes=3, starts='2d',
                               subsample=dict(factor=1), max_seq_len=64))
    ids, code = coordinate_code(tok, 32)
    ranges = tok.layout.ranges
    expected = torch.cat([torch.arange(*ranges['row']), torch.arange(*ranges['col'])])
    assert torch.equal(ids, expected) and code.shape == (16, 32)
    pe = sine_position_encoding_2d(8, 8, 32).view(8, 8, 32)
    rows, cols = code[:8], code[8:]
    assert torch.all(rows[:, 16:] == 0) and torch.all(cols[:, :16] == 0)
    assert torch.allclose(rows[3, :16], _unit(pe[3, 5, :16]))
    assert torch.allclose(cols[6, 16:], _unit(pe[2, 6, 16:]))


def test_tied_embedding_rows_and_gradients():
    torch.manual_seed(0)
    weight = torch.randn(10, 8)
    ids = torch.tensor([7, 3, 4])
    code = _unit(torch.randn(3, 8))
    emb = TiedCoordinateEmbedding(weight, ids, code)
    assert emb.free_weight.shape == (7, 8)
    w = emb.weight
    assert w.shape == (10, 8)
    assert torch.equal(w[ids], code)
    free = torch.tensor([0, 1, 2, 5, 6, 8, 9])
    assert torch.equal(w[free], weight[free])
    tokens = torch.tensor([[7, 0, 3]])
    assert torch.equal(emb(tokens), w[tokens])
    (emb(tokens).sum() + (emb.weight @ torch.ones(8)).sum()).backward()
    assert emb.gain.grad is not None and emb.gain.grad.abs() > 0
    assert emb.free_weight.grad.abs().sum() > 0
    assert set(dict(emb.named_parameters())) == {'free_weight', 'gain'}


def test_apply_coordinate_embed_modes_and_errors():
    tok = build_tokenizer(dict(scheme='bin', mask_size=4, num_classes=2, starts='2d',
                               subsample=dict(factor=1), max_seq_len=32))
    ids, code = coordinate_code(tok, 16)
    torch.manual_seed(0)
    dec = TransformerDecoder(tok.layout.vocab_size, 32, 16, 1, 2, 16)
    before = dec.token_embed.weight.detach().clone()
    apply_coordinate_embed(dec, tok, None)
    assert torch.equal(dec.token_embed.weight, before)
    apply_coordinate_embed(dec, tok, 'init')
    assert torch.allclose(dec.token_embed.weight[ids], code)
    others = torch.ones(len(before), dtype=torch.bool)
    others[ids] = False
    assert torch.equal(dec.token_embed.weight[others], before[others])
    apply_coordinate_embed(dec, tok, 'tied')
    assert isinstance(dec.token_embed, TiedCoordinateEmbedding)
    logits = dec(torch.tensor([[2, ids[0], ids[-1]]]), torch.randn(1, 4, 16))
    assert logits.shape == (1, 3, tok.layout.vocab_size)
    logits.sum().backward()
    assert dec.token_embed.gain.grad.abs() > 0
    with pytest.raises(ValueError, match=r"^coordinate_embed must be None or one of"):
        apply_coordinate_embed(dec, tok, 'sine')
    video = build_tokenizer(dict(scheme='3d-mc', mask_size=4, num_classes=3, window=2,
                                 subsample=dict(factor=1), max_seq_len=32))
    with pytest.raises(ValueError, match=r"^coordinate_embed='tied' needs one code"):
        apply_coordinate_embed(TransformerDecoder(video.layout.vocab_size, 32, 16, 1, 2, 16),
                               video, 'tied')


# ---------------------------------------------------------------------- width / depth
def test_layer_config_defaults_and_errors():
    assert layer_config(None, 256, 'encoder') == PAPER_LAYERS
    cfg = layer_config(dict(num_layers=0, num_heads=2, drop_path=0.1), 8, 'encoder')
    assert cfg['num_layers'] == 0 and cfg['drop_path'] == 0.1 and cfg['mlp_dim'] == 1024
    assert cfg['attn_dropout'] is None
    assert layer_config(dict(attn_dropout=0), 8, 'encoder')['attn_dropout'] == 0.0
    cases = [(dict(depth=2), r"^decoder: unknown key\(s\) \['depth'\]"),
             (dict(num_layers=-1), r'^decoder\.num_layers must be an int >= 0'),
             (dict(num_heads=3), r'^decoder\.num_heads=3 does not divide d_model=8'),
             (dict(mlp_dim=0), r'^decoder\.mlp_dim must be an int >= 1'),
             (dict(dropout=1.5), r'^decoder\.dropout must be a number in \[0, 1\)'),
             (dict(attn_dropout=-0.1),
              r'^decoder\.attn_dropout must be a number in \[0, 1\)')]
    for cfg, message in cases:
        with pytest.raises(ValueError, match=message):
            layer_config(cfg, 8, 'decoder')
    assert check_width(64) == 64
    for bad in (30, 0, 2.0):
        with pytest.raises(ValueError, match=r'^d_model must be'):
            check_width(bad)


def test_attn_dropout_acts_on_attention_only(monkeypatch):
    enc = TransformerEncoder(8, 2, 2, 16, dropout=0.5, attn_dropout=0.0)
    assert all(layer.self_attn.dropout == 0.0 and layer.dropout1.p == 0.5
               for layer in enc.layers)
    assert all(layer.self_attn.dropout == 0.5
               for layer in TransformerEncoder(8, 1, 2, 16, dropout=0.5).layers)
    rates = []
    sdpa = torch.nn.functional.scaled_dot_product_attention

    def recording_sdpa(*args, dropout_p=0.0, **kwargs):
        rates.append(dropout_p)
        return sdpa(*args, dropout_p=dropout_p, **kwargs)

    monkeypatch.setattr(torch.nn.functional, 'scaled_dot_product_attention', recording_sdpa)
    tokens, memory = torch.randint(0, 10, (2, 5)), torch.randn(2, 4, 8)
    for attn_dropout, expected in ((0.0, 0.0), (None, 0.5), (0.25, 0.25)):
        dec = TransformerDecoder(10, 6, 8, 1, 2, 16, dropout=0.5, attn_dropout=attn_dropout)
        rates.clear()
        dec.train()(tokens, memory)
        assert rates == [expected, expected]  # self- and cross-attention
        rates.clear()
        dec.eval()(tokens, memory)
        assert rates == [0.0, 0.0]
    # the residual dropout still acts: two training passes differ, eval passes agree
    dec = TransformerDecoder(10, 6, 8, 1, 2, 16, dropout=0.5, attn_dropout=0.0).train()
    assert not torch.equal(dec(tokens, memory), dec(tokens, memory))


# ---------------------------------------------------------------------- auxiliary head
FCN = dict(type='FCNHead', in_channels=32, channels=8, num_convs=1, concat_input=False,
           num_classes=3, dropout_ratio=0.0, norm_cfg=dict(type='BN', requires_grad=True),
           loss_decode=dict(type='CrossEntropyLoss', loss_weight=0.4))


def test_build_auxiliary_head_variants_and_errors():
    assert build_auxiliary_head(None, 'backbone', 32) is None
    head = build_auxiliary_head(FCN, 'backbone', 64)
    assert head.in_channels == 32
    enc = build_auxiliary_head({k: v for k, v in FCN.items() if k != 'in_channels'},
                               'encoder', 24)
    assert enc.in_channels == 24
    heads = build_auxiliary_head([FCN, FCN], 'backbone', 64)
    assert isinstance(heads, nn.ModuleList) and len(heads) == 2
    with pytest.raises(ValueError, match=r"^auxiliary_input must be one of"):
        build_auxiliary_head(FCN, 'neck', 32)
    with pytest.raises(ValueError, match=r"^auxiliary_head\.in_channels must be d_model=16"):
        build_auxiliary_head(FCN, 'encoder', 16)
    with pytest.raises(ValueError, match=r'^auxiliary_head\[1\] must be an mmseg decode'):
        build_auxiliary_head([FCN, dict(channels=8)], 'backbone', 16)


def test_auxiliary_inputs():
    feats = (torch.randn(2, 8, 4, 4), torch.randn(2, 16, 2, 2))
    memory = torch.randn(2, 6, 12)
    assert auxiliary_inputs('backbone', feats, memory, (2, 3)) == list(feats)
    single = torch.randn(2, 8, 4, 4)
    assert auxiliary_inputs('backbone', single, memory, (2, 3))[0] is single
    enc, = auxiliary_inputs('encoder', feats, memory, (2, 3))
    assert enc.shape == (2, 12, 2, 3) and torch.equal(enc[1, :, 1, 2], memory[1, 5])


# ---------------------------------------------------------------------- pointer head
@pytest.mark.parametrize('order', ['row', 'col'])
def test_coordinate_cells_point_at_the_named_memory_cells(order):
    tok = build_tokenizer(dict(scheme='mc', mask_size=(3, 4), num_classes=3, order=order,
                               subsample=dict(factor=1), max_seq_len=32))
    ids, cells = coordinate_cells(tok)
    assert torch.equal(ids, coordinate_code(tok, 8)[0]) and cells.shape == (12, 12)
    lo = tok.layout.ranges['start'][0]
    for y, x in ((0, 0), (1, 3), (2, 1)):
        mask = np.zeros((3, 4), np.uint8)
        mask[y, x] = 1
        start_id = int(tok.encode(mask).tokens[1])
        assert cells[start_id - lo].argmax() == y * 4 + x and cells[start_id - lo].sum() == 1
    two_d = build_tokenizer(dict(scheme='bin', mask_size=(3, 4), num_classes=2, starts='2d',
                                 subsample=dict(factor=1), max_seq_len=32))
    ids, cells = coordinate_cells(two_d)
    grid = torch.arange(12.0)                       # memory value = its row-major index
    assert torch.allclose(cells @ grid, torch.tensor(
        [1.5, 5.5, 9.5, 4.0, 5.0, 6.0, 7.0]))       # row means, then column means


def _assert_cached_paths_match(dec: TransformerDecoder, memory: torch.Tensor,
                               tokens: torch.Tensor, scored: torch.Tensor,
                               position: int) -> None:
    """The KV-cached paths add the same scores as the full forward ``scored``
    (B, T, V): one step over all of ``tokens``, and ``step_at`` at ``position`` after
    the prefix before it."""
    cache = dec.init_cache(memory)
    assert torch.allclose(dec.step(tokens, cache), scored, atol=1e-5)
    cache = dec.init_cache(memory)
    dec.step(tokens[:, :position], cache)
    at = dec.step_at(tokens[:, position:position + 1], torch.tensor([position]), cache)
    assert torch.allclose(at[:, 0], scored[:, position], atol=1e-5)


def test_pointer_starts_neutral_and_learns():
    tok = build_tokenizer(dict(scheme='bin', mask_size=4, num_classes=2, starts='2d',
                               subsample=dict(factor=1), max_seq_len=32))
    torch.manual_seed(0)
    dec = TransformerDecoder(tok.layout.vocab_size, 32, 16, 1, 2, 16)
    tokens, memory = torch.tensor([[2, 6, 11]]), torch.randn(1, 16, 16)
    before = dec(tokens, memory)
    apply_coordinate_pointer(dec, tok, True, (4, 4))
    assert isinstance(dec.pointer, CoordinatePointer)
    after = dec(tokens, memory)
    assert torch.equal(before, after)                       # zero-initialised keys
    after.logsumexp(-1).sum().backward()
    assert dec.pointer.key.weight.grad.abs().sum() > 0
    with torch.no_grad():
        dec.pointer.key.weight.normal_()
    scored = dec(tokens, memory)
    ids = dec.pointer.ids
    others = torch.ones(tok.layout.vocab_size, dtype=torch.bool)
    others[ids] = False
    assert not torch.allclose(scored[..., ids], before[..., ids])
    assert torch.allclose(scored[..., others], before[..., others])
    _assert_cached_paths_match(dec, memory, tokens, scored, position=2)
    with pytest.raises(ValueError, match=r"^coordinate_pointer: the memory has 9 tokens"):
        dec(tokens, torch.randn(1, 9, 16))


def test_apply_coordinate_pointer_errors():
    tok = build_tokenizer(dict(scheme='bin', mask_size=4, num_classes=2,
                               subsample=dict(factor=1), max_seq_len=32))
    dec = TransformerDecoder(tok.layout.vocab_size, 32, 16, 1, 2, 16)
    apply_coordinate_pointer(dec, tok, False, None)
    assert dec.pointer is None
    with pytest.raises(ValueError, match=r'^coordinate_pointer must be True or False'):
        apply_coordinate_pointer(dec, tok, 'yes', (4, 4))
    with pytest.raises(ValueError, match=r"^coordinate_pointer=True needs memory_size='mask'"):
        apply_coordinate_pointer(dec, tok, True, None)


# ---------------------------------------------------------------------- run-end pointer
@pytest.mark.parametrize('order', ['row', 'col'])
def test_run_end_cells_name_the_last_cell_of_each_run(order):
    tok = build_tokenizer(dict(scheme='lac', mask_size=(3, 4), num_classes=3, order=order,
                               max_length=4, subsample=dict(factor=1), max_seq_len=32))
    start_lo, cell_of_scan, ids, steps = run_end_cells(tok)
    assert start_lo == tok.layout.ranges['start'][0]
    assert torch.equal(ids, torch.arange(*tok.layout.ranges['lac']))
    assert steps.tolist() == [0, 1, 2, 3] * 2               # lac: class 1, then class 2
    for (y, x), length, cls in (((0, 1), 3, 1), ((1, 2), 2, 2), ((2, 3), 1, 1)):
        scan = np.zeros(12, np.uint8)                         # the mask in scan order
        first = y * 4 + x if order == 'row' else x * 3 + y
        scan[first:first + length] = cls
        mask = scan.reshape(3, 4) if order == 'row' else scan.reshape(4, 3).T
        start_id, lac_id = (int(t) for t in tok.encode(mask).tokens[1:3])
        end = start_id - start_lo + int(steps[ids == lac_id])
        assert end == first + length - 1
        cell = int(cell_of_scan[end])
        assert mask.reshape(-1)[cell] == cls
    expected = range(12) if order == 'row' else [r * 4 + c for c in range(4) for r in range(3)]
    assert cell_of_scan.tolist() == list(expected)


def test_run_end_pointer_scores_lengths_after_starts_only():
    tok = build_tokenizer(dict(scheme='bin', mask_size=4, num_classes=2,
                               subsample=dict(factor=1), max_seq_len=32))
    torch.manual_seed(0)
    dec = TransformerDecoder(tok.layout.vocab_size, 32, 16, 1, 2, 16)
    start_lo = tok.layout.ranges['start'][0]
    length_lo = tok.layout.ranges['length'][0]
    # task, start 5, length 2, start 14 (lengths 3, 4 would leave the grid), length 1
    tokens = torch.tensor([[2, start_lo + 5, length_lo + 1, start_lo + 14, length_lo]])
    memory = torch.randn(1, 16, 16)
    before = dec(tokens, memory)
    apply_length_pointer(dec, tok, True, (4, 4))
    assert isinstance(dec.length_pointer, RunEndPointer)
    assert torch.equal(dec(tokens, memory), before)          # zero-initialised keys
    dec(tokens, memory).logsumexp(-1).sum().backward()
    assert dec.length_pointer.key.weight.grad.abs().sum() > 0
    with torch.no_grad():
        dec.length_pointer.key.weight.normal_()
    scored = dec(tokens, memory)
    lengths = torch.arange(*tok.layout.ranges['length'])
    changed = ~torch.isclose(scored, before)
    assert changed[0, 1, lengths].all() and changed[0, 3, lengths[:2]].all()
    assert not changed[0, 3, lengths[2:]].any()               # ends past the grid
    assert not changed[0, [0, 2, 4]].any()                    # not after a start
    others = torch.ones(tok.layout.vocab_size, dtype=torch.bool)
    others[lengths] = False
    assert not changed[..., others].any()
    # the score of length l after start s is query(h) . key(memory[s + l - 1])
    head = dec.length_pointer
    h = dec.norm(dec.layers[0](dec._embed(tokens, 0), *dec.layers[0].memory_kv(memory)))
    expected = (head.query(h[0, 1]) * head.key(memory[0, 5 + 2])).sum() * head.scale
    assert torch.allclose(scored[0, 1, length_lo + 2] - before[0, 1, length_lo + 2],
                          expected, atol=1e-5)
    _assert_cached_paths_match(dec, memory, tokens, scored, position=3)
    with pytest.raises(ValueError, match=r'^length_pointer: the memory has 9 tokens'):
        dec(tokens, torch.randn(1, 9, 16))


def test_apply_length_pointer_errors():
    flat = build_tokenizer(dict(scheme='bin', mask_size=4, num_classes=2,
                                subsample=dict(factor=1), max_seq_len=32))
    dec = TransformerDecoder(flat.layout.vocab_size, 32, 16, 1, 2, 16)
    apply_length_pointer(dec, flat, False, None)
    assert dec.length_pointer is None
    with pytest.raises(ValueError, match=r'^length_pointer must be True or False'):
        apply_length_pointer(dec, flat, 1, (4, 4))
    with pytest.raises(ValueError, match=r"^length_pointer=True needs memory_size='mask'"):
        apply_length_pointer(dec, flat, True, (2, 2))
    two_d = build_tokenizer(dict(scheme='bin', mask_size=4, num_classes=2, starts='2d',
                                 subsample=dict(factor=1), max_seq_len=32))
    with pytest.raises(ValueError, match=r"^length_pointer=True needs flat starts"):
        apply_length_pointer(dec, two_d, True, (4, 4))
    mc_first_class = build_tokenizer(dict(scheme='mc', mask_size=4, num_classes=3,
                                          subsample=dict(factor=1), max_seq_len=32))
    assert run_end_cells(mc_first_class)[2].numel() == 4      # the length field of mc
