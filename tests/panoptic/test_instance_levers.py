"""The instance-token levers (issue 28): flat starts and both pointers inside instance
groups, the joint (instance, class) majority vote, instance order, the instance cap with
its grammar rule, instance scores; and every instance config builds, trains a step and
round-trips its ground truth through its tokens."""
import os.path as osp
from glob import glob
from itertools import islice

import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS, MODELS

import rleseg  # noqa: F401
from rleseg.benchmark.suites import resolve_models
from rleseg.engine import load_config
from rleseg.models.panoptic_grammar import GroupGrammar
from rleseg.models.panoptic_segmentor import instance_scores
from rleseg.tokenizers import PanopticPrediction, build_tokenizer

init_default_scope('mmseg')
INSTANCE_CONFIGS = sorted(glob('configs/p2s_rle_*panoptic*_tiny.py') +
                          glob('configs/panoptic_ablation/p2s_rle_*.py'))


def _tok(**kwargs):
    cfg = dict(scheme='instance', mask_size=8, num_classes=3, max_seq_len=96,
               starts='flat', subsample=dict(factor=2, mode='majority'))
    cfg.update(kwargs)
    return build_tokenizer(cfg)


def _three_instances():
    """(16, 16) class and instance maps: id 1 small at the bottom, id 2 large in the
    middle, id 3 at the top left (class 2); scan order 3, 2, 1, size order 2, 3, 1."""
    inst = np.zeros((16, 16), np.int64)
    inst[12:14, 2:4] = 1
    inst[4:12, 6:14] = 2
    inst[0:4, 0:4] = 3
    sem = np.where(inst == 3, 2, inst > 0).astype(np.uint8)
    return sem, inst


def _first_group_cells(tok, sem, inst):
    pred, report = tok.decode_panoptic(tok.encode(sem, inst).tokens)
    assert report.num_dropped_runs == 0
    return pred


def test_majority_votes_instance_and_class_together():
    # block (0, 0): two pixels of background, one each of instances 1 and 2 (class 1).
    # Voted alone, the class map keeps class 1 (tie -> higher) and the instance map id 0:
    # a class without its instance. The joint vote keeps background.
    inst = np.zeros((4, 4), np.int64)
    inst[0, 0], inst[0, 1] = 1, 2
    inst[2:, 2:] = 2
    sem = (inst > 0).astype(np.uint8)
    tok = _tok(mask_size=2, num_classes=2)
    groups, classes = tok.group_map(sem, inst)
    assert groups.tolist() == [[0, 0], [0, 1]] and classes.tolist() == [1]
    rng = np.random.default_rng(0)
    class_of_id = np.array([0, 1, 2, 1, 2])
    for _ in range(20):
        ids = rng.integers(0, 5, (16, 16))
        ids[rng.random((16, 16)) < 0.5] = 0
        sem_grid, inst_grid = _tok()._instance_grids(class_of_id[ids].astype(np.uint8), ids)
        assert (sem_grid == class_of_id[inst_grid]).all()


def test_majority_ignore_does_not_vote():
    inst = np.zeros((4, 4), np.int64)
    inst[:2, :2] = 1
    sem = (inst > 0).astype(np.uint8)
    sem[0, :2] = 255                                   # half the block is void
    inst[0, :2] = 0
    groups, _ = _tok(mask_size=2, num_classes=2).group_map(sem, inst)
    assert groups[0, 0] == 1                           # the two voting pixels win


@pytest.mark.parametrize('order, first, classes', [('id', 1, [1, 1, 2]),
                                                   ('raster', 3, [2, 1, 1]),
                                                   ('size', 2, [1, 2, 1])])
def test_instance_order(order, first, classes):
    sem, inst = _three_instances()
    tok = _tok(instance_order=order)
    pred = _first_group_cells(tok, sem, inst)
    assert pred.classes.tolist() == classes
    kept = tok.subsample(inst)
    assert set(np.unique(kept[pred.instances == 1])) == {first}
    # every order decodes the same partition of the grid
    for ident in (1, 2, 3):
        ids = np.unique(pred.instances[kept == ident])
        assert len(ids) == 1 and ids[0] > 0


def test_instance_cap_keeps_the_first_groups_and_the_grammar_forbids_more():
    sem, inst = _three_instances()
    capped = _tok(instance_order='size', max_instances=2)
    enc = capped.encode(sem, inst)
    pred = _first_group_cells(capped, sem, inst)
    kept = capped.subsample(inst)
    assert enc.num_groups == pred.num_instances == 2
    assert set(np.unique(kept[pred.instances > 0])) == {2, 3}
    assert capped.count_tokens(sem, inst) == enc.num_tokens
    grammar = GroupGrammar.from_tokenizer(capped)
    body = enc.tokens[1:enc.num_tokens]
    assert grammar.max_groups == 2 and grammar.accepts(body)
    free = _tok(instance_order='size')
    body3 = free.encode(sem, inst).tokens[1:]
    assert GroupGrammar.from_tokenizer(free).accepts(body3[body3 != free.layout.pad_id])
    assert not grammar.accepts(body3[body3 != free.layout.pad_id])
    # after two class tokens only EOS may follow
    state = grammar.init_state(1, torch.device('cpu'))
    closes = np.flatnonzero(np.isin(body, np.arange(*capped.layout.ranges['class'])))
    for i, token in enumerate(body[:closes[1] + 1]):
        grammar.advance(state, torch.tensor([int(token)]))
    ok = grammar.allowed(state, int(closes[1]) + 2, capped.max_seq_len)[0]
    assert ok.nonzero().flatten().tolist() == [capped.layout.eos_id]


@pytest.mark.parametrize('bad', [dict(instance_order='area'), dict(max_instances=0),
                                 dict(max_instances=2.5)])
def test_bad_instance_options_fail_with_one_line(bad):
    with pytest.raises(ValueError, match=next(iter(bad))):
        _tok(**bad)


def test_instance_options_are_saved_with_the_layout():
    tok = _tok(instance_order='size', max_instances=4)
    again = build_tokenizer(tok.layout.meta)
    assert (again.instance_order, again.max_instances) == ('size', 4)


def test_instance_scores():
    probs = np.array([1.0, 0.5, 0.7, 0.9, 0.2, 0.4, 0.6, 1.0])
    pred = PanopticPrediction(semantic=np.zeros((2, 2), np.uint8),
                              instances=np.zeros((2, 2), np.int32),
                              classes=np.array([1, 1]), class_token_pos=np.array([3, 6]),
                              first_token_pos=np.array([1, 4]))
    assert np.allclose(instance_scores(pred, probs, 'class'), [0.9, 0.6])
    assert np.allclose(instance_scores(pred, probs, 'mean'), [0.7, 0.4])


def _model_from(path, **model_options):
    cfg = load_config(path)
    cfg.model.update(model_options)
    torch.manual_seed(0)
    return cfg, MODELS.build(cfg.model)


def test_pointers_skip_the_class_tokens_between_groups():
    """The run-end pointer scores lengths only after a start token, never after a class
    token; the coordinate pointer reaches the start ids at every group's first run."""
    _, model = _model_from('configs/p2s_rle_nuclei_panoptic_tiny.py')
    tok, dec = model.tokenizer, model.decoder.eval()
    assert tok.starts == 'flat' and dec.pointer is not None and dec.length_pointer is not None
    inst = np.zeros((64, 64), np.int64)
    inst[4:20, 4:20], inst[30:50, 10:40], inst[8:16, 40:60] = 1, 2, 3
    tokens = torch.as_tensor(tok.encode((inst > 0).astype(np.uint8), inst).tokens)[None]
    for head in (dec.pointer, dec.length_pointer):
        torch.nn.init.normal_(head.key.weight)
    memory = torch.randn(1, 256, dec.dim)
    with torch.no_grad():
        both = dec(tokens[:, :-1], memory)
        dec.length_pointer, end = None, dec.length_pointer
        without_end = dec(tokens[:, :-1], memory)
        dec.length_pointer = end
    changed = (both - without_end).abs().amax(-1)[0] > 0
    inputs = tokens[0, :-1].numpy()
    is_start = (inputs >= tok.layout.ranges['start'][0]) & (
        inputs < tok.layout.ranges['start'][1])
    assert changed.numpy().tolist() == is_start.tolist()
    is_class = np.isin(inputs, np.arange(*tok.layout.ranges['class']))
    assert is_class.sum() == 3 and not changed.numpy()[is_class].any()


@pytest.mark.parametrize('path', INSTANCE_CONFIGS, ids=osp.basename)
def test_instance_config_trains_a_step_and_round_trips(path):
    cfg, model = _model_from(path)
    tok = model.tokenizer
    assert tok.scheme == 'instance'
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    def cells(item):  # instances left on the mask grid
        sample = item['data_samples']
        return len(tok.group_map(sample.gt_sem_seg.data[0].numpy(),
                                 sample.gt_instance_map.data[0].numpy())[1])

    with_cells = list(islice(filter(cells, (dataset[i] for i in range(len(dataset)))), 2))
    data = model.data_preprocessor(pseudo_collate(with_cells), training=True)
    losses = model.loss(data['inputs'], data['data_samples'])
    assert torch.isfinite(losses['loss_ce']) and losses['loss_ce'] > 0
    losses['loss_ce'].backward()
    assert model.decoder.token_embed.weight.grad.abs().sum() > 0
    for sample in data['data_samples']:
        sem = sample.gt_sem_seg.data[0].numpy()
        inst = sample.gt_instance_map.data[0].numpy()
        pred, report = tok.decode_panoptic(sample.gt_tokens.numpy())
        assert report.truncated == 0 and report.num_dropped_runs == 0
        groups, classes = tok.group_map(sem, inst)
        assert pred.num_instances == len(classes) > 0
        assert ((pred.instances > 0) == (groups > 0)).all()
        for g in range(1, len(classes) + 1):   # same partition, same classes
            assert len(np.unique(groups[pred.instances == g])) == 1
            assert (pred.semantic[pred.instances == g] == classes[g - 1]).all()


def test_disjoint_grammar_keeps_instances_apart():
    """With disjoint=True a run may not start on, or run into, a cell an earlier group
    covers; the ground truth's own sequences (disjoint instances) stay legal."""
    sem, inst = _three_instances()
    tok = _tok()
    grammar = GroupGrammar.from_tokenizer(tok, disjoint=True)
    enc = tok.encode(sem, inst)
    assert grammar.accepts(enc.tokens[1:enc.num_tokens])
    lo_start, lo_length = tok.layout.ranges['start'][0], tok.layout.ranges['length'][0]
    cls_id = tok.layout.ranges['class'][0]
    # group 1: cells 2..5 of row 0; then a second group
    state = grammar.init_state(1, torch.device('cpu'))
    for token in (lo_start + 2, lo_length + 3, cls_id):
        grammar.advance(state, torch.tensor([token]))
    ok = grammar.allowed(state, 4, tok.max_seq_len)[0]
    starts = ok[lo_start:lo_start + tok.num_pixels].nonzero().flatten().tolist()
    assert 2 not in starts and 5 not in starts and {0, 1, 6} <= set(starts)
    grammar.advance(state, torch.tensor([lo_start + 0]))
    ok = grammar.allowed(state, 5, tok.max_seq_len)[0]
    lengths = ok[lo_length:lo_length + tok.max_length].nonzero().flatten() + 1
    assert lengths.tolist() == [1, 2]                   # cells 0, 1 free; 2 is covered
    free = GroupGrammar.from_tokenizer(tok)
    state = free.init_state(1, torch.device('cpu'))
    for token in (lo_start + 2, lo_length + 3, cls_id, lo_start + 0):
        free.advance(state, torch.tensor([token]))
    assert free.allowed(state, 5, tok.max_seq_len)[0, lo_length + 3]
    with pytest.raises(ValueError, match='disjoint'):
        GroupGrammar.from_tokenizer(_tok(starts='2d'), disjoint=True)


def test_disjoint_generation_never_overlaps():
    _, model = _model_from('configs/p2s_rle_nuclei_panoptic_tiny.py', disjoint_instances=True)
    tok = model.eval().tokenizer
    sampling = dict(strategy='sample', temperature=1.0, top_k=0, top_p=1.0)
    tokens = model.generate_tokens(torch.randn(3, 3, 64, 64), sampling=sampling, seed=1)
    for row in tokens.numpy():
        pred, report = tok.decode_panoptic(row)
        lengths = tok.layout.to_value('length', row[np.isin(
            row, np.arange(*tok.layout.ranges['length']))])
        assert report.num_runs > 0 and report.num_dropped_runs == 0
        assert (pred.instances > 0).sum() == np.sum(lengths)   # no cell painted twice


def test_strong_augmentation_moves_the_instance_map_with_the_class_map():
    """The shipped nuclei config trains with zoom / crop / flips / rotations: every
    nucleus pixel keeps its instance id and every instance pixel its class."""
    cfg = load_config('configs/p2s_rle_nuclei_panoptic_tiny.py')
    types = [t['type'] for t in cfg.train_dataloader.dataset.pipeline]
    assert 'RandomResize' in types and 'RandomRotFlip' in types
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    for i in range(6):
        sample = dataset[i]['data_samples']
        sem = sample.gt_sem_seg.data[0].numpy()
        inst = sample.gt_instance_map.data[0].numpy()
        assert inst.max() > 0 and ((sem > 0) == (inst > 0)).all()


def test_panoptic_ablation_suite_runs_every_ablation_config_and_the_shipped_model():
    models, demo = resolve_models('panoptic-ablation')
    assert demo
    configs = {m.config for m in models}
    assert configs == {osp.abspath(p) for p in glob('configs/panoptic_ablation/*.py')} | {
        osp.abspath('configs/p2s_rle_nuclei_panoptic_tiny.py')}
