"""The token model's levers for rare foreground (issue 29): target weights on the runs of
a class, on a vocabulary field and the premature-EOS term (rleseg/models/token_weights.py),
EOS calibration at decoding (test_cfg.eos_bias), empty crops in the token loss
(empty_keep_prob) and their roads configs (configs/rare_fg/p2s_rle_roads_*)."""
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmengine.optim import OptimWrapper
from mmseg.registry import DATASETS, MODELS
from PIL import Image

from rleseg.datasets import prepare_roads
from rleseg.engine import load_config
from rleseg.models.decoding import eos_bias_processor
from rleseg.models.token_weights import TokenWeighting, premature_eos_loss
from rleseg.tokenizers import build_tokenizer, unpadded_length

from p2s_helpers import make_batch, tiny_model_cfg

REPO = Path(__file__).resolve().parents[2]
# trained differently: lever config -> the model keys it changes
LEVERS = {'premature_eos': {'loss'}, 'run_weight': {'loss'}, 'seq_norm': {'loss'},
          'empty_keep': {'data_preprocessor'}, 'combined': {'loss', 'data_preprocessor'}}
# decoding only: config -> (the config it decodes differently, its test_cfg.eos_bias)
EOS_BIAS = {'eos_bias_m1': ('p2s_rle_roads_tiny', -1.0),
            'eos_bias_m2': ('p2s_rle_roads_tiny', -2.0),
            'eos_bias_m4': ('p2s_rle_roads_tiny', -4.0),
            'eos_bias_m8': ('p2s_rle_roads_tiny', -8.0),
            'combined_eos_bias_m2': ('rare_fg/p2s_rle_roads_combined_tiny', -2.0),
            'combined_eos_bias_m4': ('rare_fg/p2s_rle_roads_combined_tiny', -4.0),
            'combined_eos_bias_m6': ('rare_fg/p2s_rle_roads_combined_tiny', -6.0)}
# lac: a run is (start, lac); mc: (start, length, class); bin: (start, length)
LAC = dict(scheme='lac', mask_size=8, num_classes=3, starts='flat', max_seq_len=64)
MC = dict(LAC, scheme='mc')
BIN = dict(LAC, scheme='bin', num_classes=2)
TOK32 = dict(LAC, subsample=dict(factor=4))


def two_class_mask() -> np.ndarray:
    """8 x 8 mask with one run of class 1 (row 1) and then one of class 2 (row 5)."""
    mask = np.zeros((8, 8), np.int64)
    mask[1, 2:5] = 1
    mask[5, 0:6] = 2
    return mask


def encoded_targets(tok_cfg: dict, mask: np.ndarray):
    """The tokenizer, teacher-forcing targets (1, T) and their base weights (1, T)."""
    tok = build_tokenizer(tok_cfg)
    enc = tok.encode(mask)
    return (tok, torch.from_numpy(enc.tokens[None, 1:]),
            torch.from_numpy(enc.weights[None, 1:]))


# ---------------------------------------------------------------------- target weights
@pytest.mark.parametrize('on', ['class', 'run'])
def test_class_weight_lands_on_the_tokens_of_each_runs_class(on):
    tok, target, base = encoded_targets(MC, two_class_mask())
    weight = TokenWeighting(tok, class_weight=[1.0, 2.0, 5.0], class_weight_on=on)(
        target, base)
    f = len(tok.run_fields)                      # 3: start, length, class
    ratio = (weight / base)[0]
    field = torch.arange(target.shape[1]) % f
    expected = torch.ones(target.shape[1])
    for run, factor in ((0, 2.0), (1, 5.0)):     # run 0 is class 1, run 1 class 2
        in_run = (torch.arange(target.shape[1]) // f == run)
        hit = in_run & ((field == f - 1) if on == 'class' else torch.ones_like(in_run))
        expected[hit] = factor
    assert torch.equal(ratio, expected)
    assert target[0, 2 * f] == tok.layout.eos_id and ratio[2 * f] == 1  # EOS untouched


def test_class_weight_on_lac_tokens_reads_the_class_out_of_the_lac_token():
    tok, target, base = encoded_targets(LAC, two_class_mask())
    weight = TokenWeighting(tok, class_weight=[1.0, 3.0, 7.0])(target, base)
    assert (weight / base)[0, :5].tolist() == [1.0, 3.0, 1.0, 7.0, 1.0]  # start, lac, ..


def test_binary_scheme_weights_runs_as_class_one_and_needs_class_weight_on_run():
    mask = (two_class_mask() > 0).astype(np.int64)
    tok, target, base = encoded_targets(BIN, mask)
    weight = TokenWeighting(tok, class_weight=[1.0, 4.0], class_weight_on='run')(target, base)
    runs = 2 * len(tok.run_fields)
    assert torch.equal((weight / base)[0, :runs + 1],
                       torch.tensor([4.0] * runs + [1.0]))
    with pytest.raises(ValueError, match="class_weight_on='class' needs a class"):
        TokenWeighting(tok, class_weight=[1.0, 4.0])


def test_field_weight_multiplies_a_vocabulary_field_and_class_token_weight_the_class():
    tok, target, base = encoded_targets(MC, two_class_mask())
    weight = TokenWeighting(tok, field_weight=dict(length=3.0), class_token_weight=2.0)(
        target, base)
    ratio = (weight / base)[0, :6].tolist()
    assert ratio == [1.0, 3.0, 2.0, 1.0, 3.0, 2.0]   # start, length, class per run


@pytest.mark.parametrize('kwargs, match', [
    (dict(field_weight=dict(colour=2.0)), "unknown field.*'colour'"),
    (dict(class_weight=[1.0, 2.0]), 'class_weight needs 3 values'),
    (dict(class_weight=[1.0, -1.0, 2.0]), 'class_weight needs 3 values >= 0'),
    (dict(class_weight_on='pixel'), "class_weight_on must be one of"),
])
def test_bad_weighting_options_say_which_option(kwargs, match):
    with pytest.raises(ValueError, match=match):
        TokenWeighting(build_tokenizer(MC), **kwargs)


def test_premature_eos_loss_is_minus_log_one_minus_p_eos_at_run_starts():
    tok, target, _ = encoded_targets(LAC, two_class_mask())
    weighting = TokenWeighting(tok)
    starts = weighting.field_index(target) == 0
    assert starts[0].nonzero().flatten().tolist() == [0, 2]    # runs of 2 tokens, then EOS
    torch.manual_seed(0)
    logits = torch.randn(1, target.shape[1], tok.layout.vocab_size, requires_grad=True)
    eos = tok.layout.eos_id
    loss = premature_eos_loss(logits, eos, starts)
    p_eos = logits.softmax(-1)[0, [0, 2], eos]
    assert torch.allclose(loss, -torch.log1p(-p_eos).mean())
    loss.backward()
    assert (logits.grad[0, [0, 2], eos] > 0).all()     # descent lowers p(EOS) there
    assert float(premature_eos_loss(logits, eos, torch.zeros_like(starts))) == 0.0


# ---------------------------------------------------------------------- model
def build(tok=TOK32, **overrides):
    torch.manual_seed(0)
    return MODELS.build(tiny_model_cfg(tok, **overrides))


def test_model_loss_uses_the_weighting_and_adds_loss_eos():
    data, _ = make_batch(TOK32, 2)
    plain = build()
    levers = build(loss=dict(class_weight=[1.0, 1.0, 10.0], premature_eos_weight=0.5))
    losses = []
    for model in (plain, levers):
        model.train()
        losses.append(model.loss(**model.data_preprocessor(data, True)))
    assert 'loss_eos' not in losses[0] and float(losses[1]['loss_eos']) > 0
    assert float(losses[0]['loss_ce']) != pytest.approx(float(losses[1]['loss_ce']))


def test_sequence_normalisation_keeps_eos_weight_in_a_batch_of_empty_crops():
    data, _ = make_batch(TOK32, 2)
    for sample in data['data_samples']:        # crops without runs: targets EOS, PAD ...
        sample.gt_sem_seg.data.zero_()
        del sample.gt_tokens, sample.gt_token_weights
    losses = {}
    for norm in ('weight', 'sequence'):
        model = build(data_preprocessor=dict(
            type='Pix2SeqDataPreProcessor', mean=[128.0] * 3, std=[64.0] * 3, size=(32, 32),
            seg_pad_val=255), loss=dict(normalize=norm))
        model.train()
        batch = model.data_preprocessor(data, True)
        losses[norm] = float(model.loss(**batch)['loss_ce'])
    tokens = torch.stack([s.gt_tokens for s in batch['data_samples']])
    weights = torch.stack([s.gt_token_weights for s in batch['data_samples']])
    assert set(tokens[:, 1].tolist()) == {model.vocab_layout.eos_id}
    keep = unpadded_length(tokens, model.vocab_layout.pad_id)
    per_sequence = float(weights[:, 1:keep].sum()) / len(tokens)
    assert per_sequence < 1                # EOS / PAD weights only (0.1 each)
    assert losses['sequence'] == pytest.approx(per_sequence * losses['weight'], rel=1e-5)


@pytest.mark.parametrize('overrides, match', [
    (dict(loss=dict(normalize='pixel')), "loss.normalize must be one of"),
    (dict(loss=dict(premature_eos_weight=-1.0)), 'premature_eos_weight must be >= 0'),
    (dict(test_cfg=dict(eos_bias=float('-inf'))), 'eos_bias must be a finite number'),
    (dict(test_cfg=dict(eos_bias='low')), 'eos_bias must be a finite number'),
])
def test_bad_model_options_are_one_line(overrides, match):
    with pytest.raises(ValueError, match=match):
        build(**overrides)


def test_eos_bias_processor_shifts_only_eos():
    logits = torch.zeros(2, 5)
    assert eos_bias_processor(1, 0.0) is None
    out = eos_bias_processor(1, -3.0)(4, logits)
    assert out[:, 1].tolist() == [-3.0, -3.0] and out[:, [0, 2, 3, 4]].eq(0).all()
    assert logits.eq(0).all()                           # the input is left as it was


def test_eos_bias_changes_the_decode_and_every_mask_stays_valid():
    model = build()
    model.eval()
    with torch.no_grad():   # a model that, like a collapsed one, ends every sequence at once
        model.decoder.out_bias[model.vocab_layout.eos_id] = 10.0
    data, _ = make_batch(TOK32, 3)
    inputs = model.data_preprocessor(data, False)['inputs']
    runs = {}
    for bias in (0.0, -20.0):
        tokens = model.generate_tokens(inputs, eos_bias=bias)
        masks, reports = model.decode_tokens(tokens)
        for row, mask, report in zip(tokens, masks, reports):
            body = row[1:report['num_tokens']].tolist()
            assert model.grammar.accepts(body, model.tokenizer.max_seq_len)
            assert report['num_dropped_tokens'] == report['num_clipped_runs'] == 0
            tok = model.tokenizer
            full = tok.upsample(mask, tok.input_shape)
            again = tok.decode(tok.encode(full).tokens)[0]
            assert np.array_equal(again, mask)              # decode round trip
        runs[bias] = [r['num_runs'] for r in reports]
    assert runs[0.0] == [0, 0, 0] and min(runs[-20.0]) > 0


# ---------------------------------------------------------------------- roads configs
@pytest.fixture(scope='module')
def roads(tmp_path_factory) -> dict:
    return prepare_roads(str(tmp_path_factory.mktemp('data') / 'roads'))


def lever_config(lever: str, roads: dict, **options):
    options['train_dataloader.dataset.data_root'] = roads['root']
    return load_config(str(REPO / 'configs' / 'rare_fg' / f'p2s_rle_roads_{lever}_tiny.py'),
                       options)


def road_and_empty_batch(cfg) -> dict:
    """A training batch of the roads config: the first crop with road, the first without."""
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    labels = [np.array(Image.open(dataset.get_data_info(i)['seg_map_path'])).any()
              for i in range(len(dataset))]
    return pseudo_collate([dataset[i] for i in (labels.index(True), labels.index(False))])


@pytest.mark.parametrize('keep', [0.0, 1.0])
def test_empty_keep_prob_on_roads_crops_drops_only_crops_without_road(keep, roads):
    cfg = lever_config('empty_keep', roads, **{'model.data_preprocessor.empty_keep_prob': keep})
    assert load_config(str(REPO / 'configs' / 'rare_fg' / 'p2s_rle_roads_empty_keep_tiny.py')
                       ).model.data_preprocessor.empty_keep_prob == 0.25
    net = MODELS.build(cfg.model)
    samples = net.data_preprocessor(road_and_empty_batch(cfg), True)['data_samples']
    road = [bool(s.gt_sem_seg.data.eq(1).any()) for s in samples]
    assert road[1] is False and samples[1].metainfo['token_stats']['num_runs'] == 0
    for has_road, sample in zip(road, samples):
        assert (float(sample.gt_token_weights.sum()) > 0) == (has_road or keep == 1.0)


@pytest.mark.parametrize('lever', sorted(LEVERS))
def test_roads_lever_config_builds_and_takes_one_training_step(lever, roads):
    cfg = lever_config(lever, roads)
    plain = load_config(str(REPO / 'configs' / 'p2s_rle_roads_tiny.py'))
    changed = {k for k in cfg.model if cfg.model[k] != plain.model.get(k)}
    assert changed == LEVERS[lever]
    batch = road_and_empty_batch(cfg)
    torch.manual_seed(0)
    net = MODELS.build(cfg.model)
    net.train()
    before = [p.detach().clone() for p in net.parameters()]
    log = net.train_step(batch, OptimWrapper(torch.optim.AdamW(net.parameters(), lr=1e-3)))
    assert np.isfinite(float(torch.as_tensor(log['loss']).detach()))
    assert ('loss_eos' in log) == (lever in ('premature_eos', 'combined'))
    assert any(not torch.equal(a, b.detach()) for a, b in zip(before, net.parameters()))


@pytest.mark.parametrize('lever', sorted(EOS_BIAS))
def test_roads_eos_bias_configs_change_only_the_decoding(lever):
    trained, bias = EOS_BIAS[lever]
    cfg = load_config(str(REPO / 'configs' / 'rare_fg' / f'p2s_rle_roads_{lever}_tiny.py'))
    plain = load_config(str(REPO / 'configs' / f'{trained}.py'))
    assert MODELS.build(cfg.model).test_cfg['eos_bias'] == bias
    assert plain.model.test_cfg.pop('eos_bias', 0.0) == 0.0
    assert cfg.model.test_cfg.pop('eos_bias') == bias
    assert cfg.model == plain.model and cfg.train_dataloader == plain.train_dataloader
