"""Your own video in one command: a tiny folder sequence written here (2 train / 1 val /
1 test sequences of 6 frames of 32 x 32, discs drifting by a pixel a frame) and a copy
of the video template through ``--dataset``: the video token model (the shipped HeLa
video model but for what the data derives: the window tokenizer's S and L from the
training windows, N from the config, printed) reads the windows, the image token model
and the dense baselines read the same frames one by one, and every frame is scored once
by the same metric code; bad video configs are refused in one line."""
import io
import json
import math
import re
from pathlib import Path

import cv2
import numpy as np
import pytest
from mmengine.config import Config
from mmseg.registry import DATASETS

from rleseg.benchmark import BenchmarkSettings, ModelSpec, run_benchmark
from rleseg.benchmark.compose import (Budget, compose_paradigms, composed_suite,
                                      training_dataset, training_masks)
from rleseg.benchmark.derive import ceiling_mdice, derive_tokenizer
from rleseg.benchmark.identity import dataset_identity
from rleseg.benchmark.worker import run_model
from rleseg.tokenizers import build_tokenizer

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / 'configs/_base_/datasets/video_folder.py'
PARADIGMS = ('p2s_rle_video', 'p2s_rle', 'unet', 'deeplabv3plus', 'mask2former')
SIZE, FRAMES, WINDOW = 32, 6, 4
SEQUENCES = {'train': ('seq_a', 'seq_b'), 'val': ('seq_c', ), 'test': ('seq_d', )}
#: What the data derives in the composed video token model; the rest is the shipped one's.
DERIVED = {('tokenizer', 'mask_size'), ('tokenizer', 'subsample', 'factor'),
           ('tokenizer', 'max_length'), ('tokenizer', 'max_seq_len'),
           ('data_preprocessor', 'size'), ('test_cfg', 'crop_size'), ('test_cfg', 'stride')}
SHIPPED = Config.fromfile(str(REPO / 'configs/p2s_rle_hela_video_tiny.py')).model
#: The image folder template, whose pipelines the per-frame models' must follow.
FOLDER = Config.fromfile(str(REPO / 'configs/_base_/datasets/folder.py'))


def _frames(rng: np.random.Generator, count: int) -> np.ndarray:
    """(count, 32, 32) uint8 labels: two discs (radius 5-7) drifting 1 px per frame."""
    yy, xx = np.mgrid[:SIZE, :SIZE]
    discs = [(rng.uniform(8, 24, 2), rng.choice([-1, 1], 2), rng.uniform(5, 7))
             for _ in range(2)]
    labels = np.zeros((count, SIZE, SIZE), np.uint8)
    for t in range(count):
        for centre, step, radius in discs:
            cy, cx = centre + t * step
            labels[t][(yy - cy) ** 2 + (xx - cx) ** 2 <= radius ** 2] = 1
    return labels


def _write_video(root: Path, test_frames: int = FRAMES) -> None:
    """The folder layout of the template: img_dir / ann_dir /<split>/<sequence>/tNN.png."""
    rng = np.random.default_rng(0)
    for split, sequences in SEQUENCES.items():
        for sequence in sequences:
            labels = _frames(rng, test_frames if split == 'test' else FRAMES)
            for t, label in enumerate(labels):
                image = (40 + 150 * label + rng.normal(0, 10, label.shape)).clip(0, 255)
                for folder, array in (('img_dir', image.astype(np.uint8)),
                                      ('ann_dir', label)):
                    path = root / folder / split / sequence / f't{t:02d}.png'
                    path.parent.mkdir(parents=True, exist_ok=True)
                    cv2.imwrite(str(path), array)


def _copy_template(path: Path, root: Path, extra: str = '') -> Path:
    """A copy of the video template as a user makes it: data_root and image_size set
    (then ``extra`` lines)."""
    text = TEMPLATE.read_text()
    text = re.sub(r"^data_root = .*$", f'data_root = {str(root)!r}', text, flags=re.M)
    text = re.sub(r"^image_size = .*$", f'image_size = ({SIZE}, {SIZE})', text, flags=re.M)
    path.write_text(text + extra)
    return path


@pytest.fixture
def video(tmp_path) -> Path:
    root = tmp_path / 'cells'
    _write_video(root)
    return _copy_template(tmp_path / 'my_video.py', root)


def _rows(lines):
    """The candidate rows of one printed derivation: (S, ceiling, L, chosen)."""
    rows = []
    for line in lines:
        if 'ceiling mDice' in line:
            rows.append((int(line.split('S = ')[1].split()[0]),
                         float(line.split('ceiling mDice')[1].split()[0]),
                         int(line.split(' L ')[1].split()[0]),
                         line.lstrip().startswith('->')))
    return rows


def test_window_tokens_are_decoded_back_to_frames_for_the_ceiling():
    """A window's ceiling is its frames' ceiling: ltac tokens decode to the same frames
    as lac tokens of each frame (same subsampling and upsampling), scored one by one;
    L covers the window token counts."""
    rng = np.random.default_rng(1)
    windows = [_frames(rng, WINDOW).astype(np.int64) for _ in range(5)]
    rules = dict(num_classes=2, max_seq_len=4096, upsample='bilinear')
    for factor in (1, 4, 8):
        size = SIZE // factor
        rules.update(mask_size=size, max_length=size,
                     subsample=dict(factor=factor, mode='majority'))
        window_ceiling = ceiling_mdice(build_tokenizer(dict(rules, scheme='ltac',
                                                            window=WINDOW)), windows, 2)
        frame_ceiling = ceiling_mdice(build_tokenizer(dict(rules, scheme='lac')),
                                      [f for w in windows for f in w], 2)
        assert window_ceiling == pytest.approx(frame_ceiling)
        assert (window_ceiling == pytest.approx(100.0)) == (factor == 1)
    base = dict(scheme='ltac', window=WINDOW, starts='flat',
                subsample=dict(mode='majority'), upsample='bilinear')
    derived = derive_tokenizer(windows, 2, base=base, min_ceiling_dice=90.0)
    tok = derived.tokenizer
    assert (tok['scheme'], tok['window']) == ('ltac', WINDOW) and derived.window == WINDOW
    assert derived.chosen.ceiling >= 90.0 and all(
        c.ceiling < 90.0 for c in derived.candidates if c.factor > derived.chosen.factor)
    counts = [build_tokenizer(tok).count_tokens(w) for w in windows]
    assert tok['max_seq_len'] == 8 * math.ceil(np.quantile(counts, 0.99) / 8)
    assert derived.describe().splitlines()[0] == (
        'video token model tokenizer derived from 5 training windows of N = 4 frames '
        '(ltac, starts flat; ceiling per frame, tokens per window):')
    with pytest.raises(ValueError, match='windows must all be 4 frames'):
        derive_tokenizer([w[:3] for w in windows], 2, base=base)


def test_a_video_folder_composes_every_paradigm_on_the_same_frames(video, tmp_path,
                                                                  config_leaves):
    """The video suite composed with both derivations printed: the video token model is
    the shipped one but for S and L, the per-frame models read the frames inside the
    windows with the same metric, and both are scored on identical test frames; the
    video token model and a per-frame baseline take a training step."""
    stream = io.StringIO()
    specs = compose_paradigms(str(video), str(tmp_path / 'configs'), PARADIGMS,
                              budget=Budget(steps=0), stream=stream, kind='video')
    assert [s.name for s in specs] == [f'{p}_my_video' for p in PARADIGMS]
    text = stream.getvalue()
    window_part, frame_part = text.split('\ntoken model tokenizer derived from ')
    lines = window_part.splitlines()
    # training windows: 2 sequences of 6 frames, stride 1 -> 3 windows each
    assert lines[0] == ('video token model tokenizer derived from 6 training windows of '
                        'N = 4 frames (ltac, starts flat; ceiling per frame, tokens per '
                        'window):')
    rows = _rows(lines)
    assert [r[0] for r in rows] == [2, 4, 8, 16, 32]
    (chosen,) = [r for r in rows if r[3]]
    assert chosen[1] >= 90.0 and all(r[1] < 90.0 for r in rows[:rows.index(chosen)])
    assert lines[-1] == f'  chosen: S = {chosen[0]}, max_length {chosen[0]}, ' \
        f'L = {chosen[2]}, N = 4'
    assert frame_part.startswith('12 training masks (lac, starts flat):')  # 12 frames

    video_cfg = Config.fromfile(specs[0].config)
    tok = video_cfg.model.tokenizer
    assert (tok.scheme, tok.window, tok.mask_size, tok.max_seq_len) == (
        'ltac', 4, chosen[0], chosen[2])
    windows = training_masks(training_dataset(video_cfg), windows=True)
    assert len(windows) == 6 and windows[0].shape == (WINDOW, SIZE, SIZE)
    counts = [build_tokenizer(tok).count_tokens(w) for w in windows]
    assert chosen[2] == 8 * math.ceil(np.quantile(counts, 0.99) / 8)
    ours = config_leaves(video_cfg.model.to_dict())
    theirs = config_leaves(SHIPPED.to_dict())
    assert ours.keys() == theirs.keys()
    assert {key for key in ours if ours[key] != theirs[key]} <= DERIVED
    assert video_cfg.test_evaluator.type == 'VideoFrameMetric'

    # the per-frame models: the frame dataset, loaded and augmented as the folder
    # template's images (the window steps made frame steps), the metric inside
    # VideoFrameMetric
    frame = {'train': [step['type'] for step in FOLDER.train_pipeline],
             'test': [step['type'] for step in FOLDER.test_pipeline]}
    test_sets = {}
    for spec in specs:
        cfg = Config.fromfile(spec.config)
        test_sets[spec.name] = DATASETS.build(cfg.test_dataloader.dataset)
        if spec is specs[0]:
            continue
        for key, pipeline in (('train', frame['train']), ('val', frame['test']),
                              ('test', frame['test'])):
            dataset = cfg[f'{key}_dataloader'].dataset
            assert dataset.type == 'VideoFolderDataset', spec.name
            assert [step['type'] for step in dataset.pipeline] == pipeline, (spec.name, key)
        assert cfg.test_evaluator == video_cfg.test_evaluator.metric    # PerClassSegMetric
    identities = {name: dataset_identity(d) for name, d in test_sets.items()}
    assert len({i['items_sha1'] for i in identities.values()}) == 1
    assert {i['num_items'] for i in identities.values()} == {FRAMES}
    assert identities[specs[0].name]['frames_per_item'] == WINDOW


def test_the_video_suite_runs_in_one_command(video, tmp_path, benchmark_tool, capsys):
    """``--dataset my_video.py`` alone picks the video suite and composes it (dry run);
    the composed video token model and UNet on the frames train 2 iterations each and
    are scored on the same test frames, each frame once."""
    work = tmp_path / 'bench'
    code = benchmark_tool.main(['--dataset', str(video), '--cost-steps', '0', '--dry-run',
                                '--work-dir', str(work)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert 'video token model tokenizer derived from 6 training windows of N = 4' in out
    assert 'token model tokenizer derived from 12 training masks' in out
    assert 'rleseg benchmark video_paradigms_my_video: 5 models' in out
    specs = [ModelSpec(f'{p}_my_video', str(work / 'configs' / f'{p}_my_video.py'))
             for p in PARADIGMS]
    assert all(Path(s.config).is_file() for s in specs)
    settings = BenchmarkSettings(work_dir=str(work), iters=2, latency_repeats=1,
                                 num_vis=1, demo=True, title='video_paradigms_my_video')
    result = run_benchmark([specs[0], specs[2]], settings, runner=run_model,
                           stream=io.StringIO())
    assert result.ok
    report = json.loads((work / 'benchmark_cells.json').read_text())
    models = {m['name']: m['eval'] for m in report['models']}
    assert list(models) == ['p2s_rle_video_my_video', 'unet_my_video']
    assert len({m['dataset']['items_sha1'] for m in models.values()}) == 1
    assert all(m['dataset']['num_items'] == FRAMES for m in models.values())
    video_metrics = models['p2s_rle_video_my_video']['metrics']
    assert video_metrics['num_frames'] == video_metrics['num_images'] == FRAMES
    assert models['unet_my_video']['metrics']['num_images'] == FRAMES


def _refusal(benchmark_tool, capsys, argv) -> str:
    with pytest.raises(SystemExit) as exit_info:
        benchmark_tool.main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert exit_info.value.code == 1 and len(err) == 1, err
    return err[0]


@pytest.mark.parametrize('fault', ['short', 'no_inner', 'windows'])
def test_a_bad_video_config_is_refused_in_one_line(fault, tmp_path, benchmark_tool, capsys):
    root = tmp_path / 'cells'
    _write_video(root, test_frames=3 if fault == 'short' else FRAMES)
    extra = {'short': '',
             'no_inner': "val_dataloader['dataset'].pop('dataset')\n",
             'windows': "test_dataloader['dataset']['window'] = 2\n"}[fault]
    config = _copy_template(tmp_path / 'my_video.py', root, extra)
    err = _refusal(benchmark_tool, capsys, ['--dataset', str(config), '--work-dir',
                                            str(tmp_path / 'bench')])
    expected = {
        'short': 'test_dataloader: sequence seq_d has 3 frames, fewer than the window '
                 'N = 4 (test_dataloader.dataset.window)',
        'no_inner': 'val_dataloader.dataset (VideoWindowDataset) has no inner frame '
                    'dataset',
        'windows': 'windows of different lengths (train_dataloader.dataset.window 4, '
                   'val_dataloader.dataset.window 4, test_dataloader.dataset.window 2)',
    }[fault]
    assert str(config) in err and expected in err


def test_video_and_image_suites_refuse_each_others_configs(video, tmp_path, benchmark_tool,
                                                         capsys):
    work = ['--work-dir', str(tmp_path / 'bench')]
    err = _refusal(benchmark_tool, capsys,
                   ['--dataset', str(video), '--suite', 'paradigms', *work])
    assert 'a video dataset config (train_dataloader.dataset is VideoWindowDataset) ' \
        'composes --suite video-paradigms, not --suite paradigms' in err
    folder = tmp_path / 'folder.py'
    folder.write_text(f"_base_ = [{str(REPO / 'configs/_base_/datasets/folder.py')!r}]\n")
    err = _refusal(benchmark_tool, capsys,
                   ['--dataset', str(folder), '--suite', 'video-paradigms', *work])
    assert '--suite video-paradigms needs a video dataset config' in err
    assert 'this one trains on FolderSegDataset' in err and str(folder) in err
    err = _refusal(benchmark_tool, capsys, ['--suite', 'video-paradigms', *work])
    assert 'give it with --dataset' in err
    assert composed_suite(str(video)) == 'video-paradigms'          # detected
    assert composed_suite(str(video), 'video-paradigms') == 'video-paradigms'
    assert composed_suite(str(folder)) == composed_suite(str(folder), 'demo') == 'paradigms'
