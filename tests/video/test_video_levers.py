"""The image token model's levers carried to window tokens (issue 27): every HeLa video
config and video-ablation config builds and trains a step on a tiny folder sequence; flat
starts round-trip for every window scheme with majority subsampling per frame; the
pointers read the memory cells their tokens name under middle and late fusion; the strong
augmentation is drawn once per window; L truncates under 1 % of the HeLa training windows;
the suites resolve."""
import os.path as osp
from glob import glob

import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmengine.optim import OptimWrapper
from mmseg.registry import DATASETS, MODELS, TRANSFORMS
from PIL import Image

import rleseg  # noqa: F401  (registers models, datasets, transforms)
from rleseg.benchmark.suites import SUITES, resolve_models
from rleseg.datasets import prepare_hela_video
from rleseg.engine import load_config
from rleseg.models.video_segmentor import (TimeClassEmbedding, frame_cells,
                                           window_scan_cells)
from rleseg.tokenizers import build_tokenizer
from rleseg.tokenizers.masks import subsample, upsample
from rleseg.tokenizers.stats import dataset_stats

MAIN = 'configs/p2s_rle_hela_video_tiny.py'
CONFIGS = sorted(glob('configs/p2s_rle_hela_video*_tiny.py')
                 + glob('configs/video_ablation/*.py'))
FRAMES, SIZE = 8, 64
NO_POINTER = dict(coordinate_pointer=False, length_pointer=False)
#: What each config switches relative to MAIN: (tokenizer, model) settings it must have.
#: The shipped default (MAIN): ltac tokens with cell fusion, on the video base.
DEFAULT_TOKENS, DEFAULT_MODEL = dict(scheme='ltac'), dict(fusion='cell', frame_embed=False)
#: The first default (tac, middle fusion) and the variants built on it.
MIDDLE_MODEL = dict(fusion='middle', frame_embed=True)
LEVERS = {
    'p2s_rle_hela_video_tiny': (DEFAULT_TOKENS, DEFAULT_MODEL),
    'p2s_rle_hela_video_middle_tiny': ({}, MIDDLE_MODEL),
    'p2s_rle_hela_video_ltac_tiny': (dict(scheme='ltac'), MIDDLE_MODEL),
    'p2s_rle_hela_video_3d_tiny': (dict(scheme='3d-lac'), MIDDLE_MODEL),
    'p2s_rle_hela_video_late_tiny': ({}, dict(fusion='late')),
    'p2s_rle_hela_video_cell_tiny': ({}, DEFAULT_MODEL),
    'p2s_rle_hela_video_3d_late_tiny': (dict(scheme='3d-lac'), dict(fusion='late')),
    'p2s_rle_hela_video_cell_tce_tiny': ({}, dict(DEFAULT_MODEL, time_class_embed=True)),
    'p2s_rle_hela_video_cell_ltac_tce_tiny': (
        DEFAULT_TOKENS, dict(DEFAULT_MODEL, time_class_embed=True)),
    'p2s_rle_hela_video_static_tiny': (dict(DEFAULT_TOKENS, task='static_video'), {}),
    'p2s_rle_hela_video_n1_tiny': (dict(DEFAULT_TOKENS, window=1), DEFAULT_MODEL),
    'p2s_rle_hela_video_n2_tiny': (dict(DEFAULT_TOKENS, window=2), DEFAULT_MODEL),
    'p2s_rle_hela_video_n8_tiny': (dict(DEFAULT_TOKENS, window=8), DEFAULT_MODEL),
    'p2s_rle_hela_video_nopointer_tiny': (DEFAULT_TOKENS, dict(DEFAULT_MODEL, **NO_POINTER)),
    'p2s_rle_hela_video_starts2d_tiny': (dict(DEFAULT_TOKENS, starts='2d'),
                                         dict(DEFAULT_MODEL, **NO_POINTER)),
    'p2s_rle_hela_video_2d_tiny': (
        dict(DEFAULT_TOKENS, starts='2d', subsample=dict(factor=4, mode='nearest'),
             upsample='nearest'),
        dict(DEFAULT_MODEL, coordinate_embed=None, **NO_POINTER)),
    'p2s_rle_hela_video_nearest_tiny': (
        dict(DEFAULT_TOKENS, subsample=dict(factor=4, mode='nearest'), upsample='nearest'),
        DEFAULT_MODEL),
    'p2s_rle_hela_video_flips_tiny': (DEFAULT_TOKENS, DEFAULT_MODEL),
    'p2s_rle_hela_video_noframe_tiny': ({}, dict(fusion='middle', frame_embed=False)),
}
#: The settings every window lever config starts from (p2s_rle_tiny_video.py).
LEVERS_ON = dict(scheme='tac', window=4, starts='flat', max_seq_len=256,
                 subsample=dict(factor=4, mode='majority'), upsample='bilinear')
MODEL_ON = dict(fusion='middle', memory_size='mask', coordinate_embed='init',
                coordinate_pointer=True, length_pointer=True)


@pytest.fixture(scope='module')
def folder(tmp_path_factory) -> str:
    """A tiny video folder: one 8-frame 64 x 64 sequence per split, a drifting disc."""
    root = tmp_path_factory.mktemp('video')
    yy, xx = np.mgrid[:SIZE, :SIZE]
    for split in ('train', 'val', 'test'):
        for t in range(FRAMES):
            disc = (yy - 16 - 3 * t) ** 2 + (xx - 30) ** 2 < 12 ** 2
            for part, array in (('img_dir', np.where(disc, 200, 30)), ('ann_dir', disc)):
                path = root / part / split / 'seq_a' / f't{t:02d}.png'
                path.parent.mkdir(parents=True, exist_ok=True)
                Image.fromarray(array.astype(np.uint8)).save(path)
    return str(root)


def _config(path: str, root: str):
    options = {f'{loader}.dataset.dataset.data_root': root
               for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')}
    return load_config(path, options)


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_lever_config_builds_and_trains_a_step(path, folder):
    cfg = _config(path, folder)
    name = osp.splitext(osp.basename(path))[0]
    tokenizer_levers, model_levers = LEVERS[name]
    expected = {**LEVERS_ON, **tokenizer_levers}
    model = MODELS.build(cfg.model)
    tok = model.tokenizer
    for key, value in expected.items():
        actual = tok.subsample_cfg if key == 'subsample' else getattr(
            tok, {'upsample': 'upsample_mode'}.get(key, key))
        assert actual == value, (key, actual)
    for key, value in {**MODEL_ON, **model_levers}.items():
        if key == 'fusion':
            assert getattr(model, 'fusion', None) == (None if 'static' in name else value)
        elif key == 'memory_size':
            assert model.memory_grid.size == tok.mask_shape
        elif key == 'coordinate_embed':
            assert cfg.model.get(key) == value
        elif key == 'coordinate_pointer':
            assert (model.decoder.pointer is not None) == value
        elif key == 'length_pointer':
            assert (model.decoder.length_pointer is not None) == value
        elif key == 'time_class_embed':
            assert isinstance(model.decoder.token_embed, TimeClassEmbedding) == value
        elif key == 'frame_embed':
            assert isinstance(model.frame_embed, torch.nn.Parameter) == value
    pipeline = cfg.train_dataloader.dataset.pipeline
    augment = [t['type'] for t in pipeline[1]['transforms']]
    assert pipeline[1]['type'] == 'WindowBroadcast'
    assert ('PhotoMetricDistortion' in augment) == ('flips' not in name)
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    assert dataset.window == tok.window
    data = pseudo_collate([dataset[0], dataset[len(dataset) - 1]])
    before = {k: v.detach().clone() for k, v in model.named_parameters()}
    optim = OptimWrapper(torch.optim.AdamW(model.parameters(), lr=1e-3))
    log = model.train_step(data, optim)
    assert torch.isfinite(log['loss_ce'])
    assert data['inputs'][0].shape[0] == (3 if 'static' in name else 3 * tok.window)
    changed = [k for k, v in model.named_parameters() if not torch.equal(v, before[k])]
    assert any(k.startswith('decoder.') for k in changed)
    assert any(k.startswith('backbone.') for k in changed)
    if model.decoder.pointer is not None:   # the pointer's keys got a gradient
        assert any('pointer' in k for k in changed)


@pytest.mark.parametrize('scheme', ['tac', 'ltac', '3d-bin', '3d-mc', '3d-lac'])
@pytest.mark.parametrize('order', ['row', 'col'])
def test_flat_starts_round_trip_every_window_scheme_frame_by_frame(scheme, order):
    """Majority subsampling and bilinear upsampling act on each frame of a window as on
    an image; flat-start sequences decode back to the subsampled window."""
    n, k = 3, 4
    rng = np.random.default_rng(0)
    window = np.zeros((n, 32, 32), np.uint8)
    for t in range(n):
        window[t, 4 + 2 * t:18 + 2 * t, 6:20 + t] = 1
        window[t, 22:30, 3 * t:3 * t + 9] = 2
    window[rng.random(window.shape) < 0.05] = 1              # speckle: real majority votes
    classes = 2 if scheme.endswith('bin') else 3
    window = np.minimum(window, classes - 1)
    tok = build_tokenizer(dict(scheme=scheme, mask_size=8, num_classes=classes, window=n,
                               starts='flat', order=order, max_seq_len=512,
                               subsample=dict(factor=k, mode='majority'),
                               upsample='bilinear'))
    grids = tok.prepare(window)
    assert np.array_equal(grids, np.stack([subsample(f, k, 'majority') for f in window]))
    enc = tok.encode(window)
    assert not enc.truncated
    decoded, report = tok.decode(enc.tokens)
    assert decoded.shape == (n, 8, 8) and np.array_equal(decoded, grids)
    assert report.num_runs == enc.num_runs
    frames = tok.upsample(decoded)
    assert np.array_equal(frames, np.stack([upsample(f, k, 'bilinear', classes)
                                            for f in decoded]))
    scores = tok.upsample_scores(decoded, (32, 32))
    assert scores.shape == (n, classes, 32, 32)             # frame classes, not C**N
    assert np.array_equal(scores.argmax(1), frames)


def test_window_scan_cells_follow_the_frame_major_scan():
    tok = build_tokenizer(dict(scheme='3d-mc', mask_size=(2, 3), num_classes=2, window=2,
                               order='col', max_seq_len=64))
    # column order within each frame of 2 x 3 cells: (0,0) (1,0) (0,1) (1,1) (0,2) (1,2)
    assert window_scan_cells(tok).tolist() == [0, 3, 1, 4, 2, 5, 6, 9, 7, 10, 8, 11]
    tac = build_tokenizer(dict(scheme='tac', mask_size=(2, 3), num_classes=2, window=2,
                               max_seq_len=64))
    assert window_scan_cells(tac).tolist() == list(range(6))


def test_frame_cells_repeat_or_average_the_frames():
    memory = torch.arange(2 * 3 * 4 * 1, dtype=torch.float32).view(2, 12, 1)  # N=3, M=4
    assert frame_cells(memory, 3, 3) is memory
    assert torch.equal(frame_cells(memory[:, :4], 1, 3), memory[:, :4].repeat(1, 3, 1))
    assert torch.equal(frame_cells(memory, 3, 1), memory.view(2, 3, 4, 1).mean(1))


def _pointer_model(scheme, fusion, **kwargs):
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='Pix2SeqVideoSegmentor', fusion=fusion,
        backbone=dict(type='ResNetV1c', depth=18, num_stages=2, strides=(1, 2),
                      dilations=(1, 1), out_indices=(1, ), stem_channels=16,
                      base_channels=8, norm_cfg=dict(type='BN', requires_grad=True),
                      init_cfg=None),
        tokenizer=dict(scheme=scheme, mask_size=4, num_classes=2, window=3,
                       starts='flat', subsample=dict(factor=8), max_seq_len=64,
                       max_length=32 if scheme.startswith('3d') else None),
        d_model=32, memory_size='mask', coordinate_embed='init',
        encoder=dict(num_layers=1, num_heads=4, mlp_dim=64, dropout=0.0),
        decoder=dict(num_layers=1, num_heads=4, mlp_dim=64, dropout=0.0),
        test_cfg=dict(sampling=dict(strategy='greedy')), **kwargs))
    for head in (model.decoder.pointer, model.decoder.length_pointer):
        if head is not None:             # keys start at zero: give them a weight
            torch.nn.init.normal_(head.head.key.weight)
    return model


#: Memory frame and cell perturbed -> start positions (scan order) whose key moves:
#: 16 cells per frame, 3 frames; 3d-* starts name (t, cell), tac starts name a cell.
POINTED = {('3d-lac', 'late'): [16 + 5], ('3d-lac', 'middle'): [5, 16 + 5, 32 + 5],
           ('3d-lac', 'cell'): [5, 16 + 5, 32 + 5], ('tac', 'late'): [5],
           ('tac', 'middle'): [5], ('tac', 'cell'): [5]}


@pytest.mark.parametrize('scheme,fusion', sorted(POINTED))
def test_coordinate_pointer_reads_the_cells_its_starts_name(scheme, fusion):
    model = _pointer_model(scheme, fusion, coordinate_pointer=True)
    frames = 3 if fusion == 'late' else 1
    memory = torch.randn(1, frames * 16, 32)
    changed = memory.clone()
    changed[0, 16 + 5 if fusion == 'late' else 5] += 1.0   # frame 1's / the fused cell 5
    keys = model.decoder.pointer.keys(memory)
    moved = (model.decoder.pointer.keys(changed) - keys).abs().sum(-1)[0]
    assert torch.nonzero(moved > 1e-6).flatten().tolist() == POINTED[(scheme, fusion)]


@pytest.mark.parametrize('fusion', ['middle', 'late'])
def test_run_end_pointer_scores_lengths_at_the_run_s_end_cell_across_frames(fusion):
    """3d-lac: a run starting at the last cell of frame 0 with length 2 ends at cell 0 of
    frame 1, so its lac ids score against that cell (late fusion: frame 1's own memory)."""
    model = _pointer_model('3d-lac', fusion, length_pointer=True)
    tok, head = model.tokenizer, model.decoder.length_pointer
    frames = 3 if fusion == 'late' else 1
    memory = torch.randn(1, frames * 16, 32)
    start = torch.tensor([[int(tok.layout.ranges['start'][0]) + 15]])
    hidden = torch.randn(1, 1, 32)
    zero = torch.zeros(1, 1, tok.layout.vocab_size)
    base = head(hidden, head.keys(memory), zero, start)
    changed = memory.clone()
    changed[0, 16 if fusion == 'late' else 0] += 1.0          # the end cell of length 2
    moved = (head(hidden, head.keys(changed), zero, start) - base)[0, 0]
    ids, length, _ = tok.field_values('lac')
    moved_lengths = set(length[np.isin(ids, torch.nonzero(moved.abs() > 1e-6).flatten())])
    end = 15 + length - 1
    # late: only the run that ends at frame 1's cell 0; middle: the fused cell 0 is where
    # every run ending at cell 0 of any frame inside the window ends
    hits = end == 16 if fusion == 'late' else (end % 16 == 0) & (end < 48)
    assert moved_lengths == set(length[hits]) == ({2} if fusion == 'late' else {2, 18})


def test_static_model_refuses_pointers_over_frames_in_one_line():
    with pytest.raises(ValueError, match="flat starts over frames .* use starts='2d'"):
        MODELS.build(dict(
            type='Pix2SeqSegmentor',
            backbone=dict(type='ResNetV1c', depth=18, num_stages=2, strides=(1, 2),
                          dilations=(1, 1), out_indices=(1, ), stem_channels=16,
                          base_channels=8, init_cfg=None),
            tokenizer=dict(scheme='3d-lac', mask_size=4, num_classes=2, window=3,
                           task='static_video', subsample=dict(factor=8), max_seq_len=64),
            d_model=32, memory_size='mask', coordinate_pointer=True))


def test_strong_augmentation_is_drawn_once_per_window():
    """Identical frames stay identical through WindowBroadcast(strong_augment), and the
    augmentation does change them."""
    cfg = load_config(MAIN)
    broadcast = TRANSFORMS.build(cfg.train_dataloader.dataset.pipeline[1])
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)
    seg = (rng.random((64, 64)) < 0.3).astype(np.uint8)
    altered = 0
    for seed in range(6):
        np.random.seed(seed)
        out = broadcast(dict(img=np.stack([frame] * 4), gt_seg_map=np.stack([seg] * 4),
                             seg_fields=['gt_seg_map'], img_shape=(64, 64),
                             ori_shape=(64, 64)))
        assert all(np.array_equal(out['img'][t], out['img'][0]) for t in range(4))
        assert all(np.array_equal(out['gt_seg_map'][t], out['gt_seg_map'][0])
                   for t in range(4))
        altered += not np.array_equal(out['img'][0], frame)
    assert altered >= 5


@pytest.mark.parametrize('suite', ['hela-video', 'video-ablation'])
def test_suites_resolve_every_config(suite):
    models, demo = resolve_models(suite)
    assert demo and [m.name for m in models] == [
        osp.basename(c) for c in SUITES[suite].configs]
    assert all(m.config is not None and osp.isfile(m.config) for m in models)
    if suite == 'hela-video':
        names = {m.name for m in models}
        assert {'unet_hela_tiny', 'deeplabv3plus_hela_tiny', 'mask2former_hela_tiny',
                'p2s_rle_hela_tiny'} <= names
    else:
        rows = [MAIN, 'configs/p2s_rle_hela_video_cell_ltac_tce_tiny.py',
                'configs/p2s_rle_hela_video_middle_tiny.py']
        assert {m.config for m in models} == {osp.abspath(c) for c in CONFIGS
                                              if 'video_ablation' in c} | {
            osp.abspath(c) for c in rows}


@pytest.fixture(scope='module')
def hela_train_frames(tmp_path_factory) -> list:
    """The HeLa training sequences as written by tools/prepare_data.py: (20, 64, 64) label
    stacks, one per sequence."""
    root = tmp_path_factory.mktemp('hela') / 'hela_video'
    split = prepare_hela_video(str(root))['splits']['train']
    return [np.stack([np.array(Image.open(p)) for p in
                      sorted(glob(str(root / 'ann_dir' / 'train' / seq / '*.png')))])
            for seq in split]


#: Shipped window configs and the share of HeLa training windows longer than their L.
TRUNCATION = {'p2s_rle_hela_video_tiny': 0.0, 'p2s_rle_hela_video_middle_tiny': 0.0,
              'p2s_rle_hela_video_ltac_tiny': 0.0, 'p2s_rle_hela_video_3d_tiny': 0.0,
              'p2s_rle_hela_video_n8_tiny': 0.0,
              'video_ablation/p2s_rle_hela_video_starts2d_tiny': 0.0,
              'video_ablation/p2s_rle_hela_video_2d_tiny': 0.0}


@pytest.mark.parametrize('name', sorted(TRUNCATION))
def test_window_length_l_truncates_under_one_percent_of_hela_training_windows(
        name, hela_train_frames):
    """L is derived from the training windows (stride 1): under 1 % are cut."""
    tok = build_tokenizer(dict(load_config(f'configs/{name}.py').model.tokenizer))
    n = tok.window
    windows = [seq[i:i + n] for seq in hela_train_frames for i in range(len(seq) - n + 1)]
    stats = dataset_stats(tok, windows)
    assert stats['num_masks'] == len(windows) == 45 * (21 - n)
    assert stats['truncation_rate'] == pytest.approx(TRUNCATION[name]) and \
        stats['truncation_rate'] < 0.01
