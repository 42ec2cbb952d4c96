"""Suites, atomic records, tables, summary and figures from hand-made records."""
import csv
import io
import json
import os

import numpy as np
import pytest

from rleseg.benchmark import SUITES, resolve_config, resolve_models
from rleseg.benchmark.grid import BenchmarkSettings, run_models
from rleseg.benchmark.plots import write_figures
from rleseg.benchmark.records import atomic_write_json, is_finished, read_json, record_path
from rleseg.benchmark.report import (aggregate, demo_banner, flatten, group_by_dataset,
                                     summary_lines, work_dir_records)
from rleseg.engine.tool_errors import ConfigError

CLASSES = ['background', 'ipsc', 'diff']


def done_record(name, mdice, tokens=False, sha='abc', frames_per_item=1, val_mdice=None,
                val_sha='val', **extra):
    """A finished record; ``val_mdice`` adds its validation split's scores (records
    made before the validation split have no ``eval.val``)."""
    metrics = {'mDice': mdice, 'mIoU': mdice - 10, 'mRecall': 70.0, 'mPrecision': 60.0,
               'dataset_mDice': mdice + 1, 'dataset_mIoU': mdice - 9,
               'Dice_ipsc': mdice, 'Dice_diff': mdice, 'Recall_ipsc': 1.0,
               'dataset_Dice_ipsc': 2.0, 'num_images': 4.0}
    if tokens:
        metrics.update(seq_tokens_per_image=12.0, seq_gt_tokens_per_image=40.0,
                       seq_truncated_pct=0.0, seq_malformed_pct=1.5)
    metrics.update(extra)
    return dict(
        name=name, config=f'configs/{name}.py', status='done',
        train=dict(iters=1, batch_size=2, sec_per_iter=0.5, wall_s=1.0,
                   peak_mem_mib=500.0),
        eval=dict(metrics=metrics, latency=dict(b1_img_per_s=10.0, b8_img_per_s=40.0),
                  peak_mem_mib=600.0, params=1_500_000, test_wall_s=1.0,
                  model_type='Pix2SeqSegmentor' if tokens else 'EncoderDecoder',
                  dataset=dict(label='ipsc_demo', classes=CLASSES, palette=[],
                               num_items=4, items_sha1=sha,
                               frames_per_item=frames_per_item),
                  qualitative=dict(file='qualitative.npz', keys=['a.jpg']),
                  **({} if val_mdice is None else dict(val=dict(
                      metrics={'mDice': val_mdice, 'mIoU': val_mdice - 10},
                      ceiling=None, dataset=dict(label='ipsc_demo', classes=CLASSES,
                                                 num_items=3, items_sha1=val_sha))))),
        machine=dict(host='h', device='cpu', cpu='x'))


def test_suites_and_config_resolution():
    assert SUITES['demo-ipsc'].configs == ('p2s_rle_ipsc_tiny', 'unet_ipsc_tiny',
                                           'deeplabv3plus_ipsc_tiny', 'mask2former_ipsc_tiny')
    assert SUITES['demo'].configs == SUITES['nuclei'].configs  # the real-data demo
    assert SUITES['demo'].demo and not SUITES['ipsc'].demo
    spec = resolve_config('unet_ipsc_tiny')
    assert spec.config.endswith('configs/unet_ipsc_tiny.py')
    assert resolve_config('configs/unet_ipsc_tiny.py') == spec
    assert resolve_config('no_such_model_tiny').config is None
    models, demo = resolve_models(None, ['unet_ipsc_tiny', 'unet_ipsc_tiny.py'])
    assert [m.name for m in models] == ['unet_ipsc_tiny'] and demo
    with pytest.raises(ValueError, match='unknown suite'):
        resolve_models('nope')


@pytest.mark.parametrize('suite', sorted(SUITES))
def test_every_config_a_suite_names_exists(suite):
    missing = [name for name in SUITES[suite].configs
               if resolve_config(name).config is None]
    assert missing == [], f'suite {suite!r} names configs that do not exist: {missing}'


def test_atomic_json_refuses_nan_and_leaves_no_temporary(tmp_path):
    path = str(tmp_path / 'r.json')
    atomic_write_json(path, {'a': 1.5})
    with pytest.raises(ValueError):
        atomic_write_json(path, {'a': float('nan')})
    assert read_json(path) == {'a': 1.5}
    assert os.listdir(tmp_path) == ['r.json']


def test_tables_csv_and_honest_summary():
    records = [done_record('p2s_rle_ipsc_tiny', 20.0, tokens=True),
               done_record('unet_ipsc_tiny', 80.0),
               dict(name='mask2former_ipsc_tiny', config='c', status='failed',
                    error='RuntimeError: boom')]
    (table,) = group_by_dataset(records)
    markdown = table.markdown()
    lines = markdown.splitlines()
    assert lines[0].startswith('| model') and 'tokens/img' in lines[0]
    assert len(lines) == 2 + 3  # header, rule, one row per model
    assert '| mask2former_ipsc_tiny (failed) ' in markdown
    assert table.notes() == ['mask2former_ipsc_tiny: failed (RuntimeError: boom)']
    assert ' 80.0 |' in lines[3]
    rows = list(csv.DictReader(io.StringIO(table.csv_text())))
    assert [r['model'] for r in rows] == [r['name'] for r in records]
    assert float(rows[1]['mDice']) == 80.0 and rows[1]['machine'] == 'h, cpu, x'
    per_class = table.per_class_markdown()
    assert per_class.count('unet_ipsc_tiny') == len(CLASSES)
    summary = summary_lines([table], demo=True, machine=dict(device='cpu'))
    assert summary[0] == demo_banner() and 'on CPU' in summary[0]
    token_line = next(line for line in summary if 'token model' in line)
    assert '60.0 points behind' in token_line and 'far behind' in token_line
    assert '12.0 tokens/image generated vs 40.0 in the ground truth' in token_line
    assert any('not evaluated: mask2former_ipsc_tiny: failed' in s for s in summary)


def test_video_table_compares_per_frame():
    video = done_record('p2s_rle_ipsc_video_tiny', 30.0, tokens=True, frames_per_item=4,
                        seq_tokens_per_frame=3.0, seq_gt_tokens_per_frame=10.0)
    video['eval']['latency'] = dict(b1_img_per_s=40.0, b8_img_per_s=80.0)
    image = done_record('p2s_rle_ipsc_tiny', 20.0, tokens=True)
    (table,) = group_by_dataset([video, image, done_record('unet_ipsc_tiny', 80.0)])
    header, _, video_row, image_row, unet_row = table.markdown().splitlines()
    headers = [h.strip() for h in header.strip('|').split('|')]
    assert headers[-8:] == ['N', 'tokens/frame', 'GT tokens/frame', 'ms/frame b1',
                            'tokens/img', 'GT tokens/img', 'trunc. %', 'malformed %']
    cells = [[c.strip() for c in row.strip('|').split('|')]
             for row in (video_row, image_row, unet_row)]
    at = headers.index
    assert [c[at('N')] for c in cells] == ['4', '1', '1']
    assert [c[at('tokens/frame')] for c in cells] == ['3.0', '12.0', '—']
    assert [c[at('GT tokens/frame')] for c in cells] == ['10.0', '40.0', '—']
    assert cells[0][at('ms/frame b1')] == '25.0'
    assert 'every test frame is scored once' in table.legend()
    line = next(s for s in summary_lines([table], False) if 'video_tiny' in s)
    assert '12.0 tokens/window generated vs 40.0 in the ground truth (3.0 per frame)' in line
    (image_only,) = group_by_dataset([image])
    assert not image_only.is_video and 'ms/frame' not in image_only.markdown()


def test_panoptic_table_reports_pq_against_the_best_baseline():
    records = [done_record('p2s_rle_ipsc_panoptic_tiny', 40.0, tokens=True, PQ=30.0,
                           SQ=75.0, RQ=40.0, PQ_ipsc=20.0, PQ_diff=40.0),
               done_record('mask2former_ipsc_panoptic_tiny', 70.0, PQ=50.0, SQ=80.0,
                           RQ=62.5, PQ_ipsc=45.0, PQ_diff=55.0)]
    (table,) = group_by_dataset(records)
    header = table.markdown().splitlines()[0]
    headers = [h.strip() for h in header.strip('|').split('|')]
    panoptic = headers[headers.index('peak MiB') + 1:][:3]
    assert panoptic == ['test PQ', 'test SQ', 'test RQ']
    assert ' 62.5 |' in table.markdown().splitlines()[3]
    per_class = table.per_class_markdown()
    assert per_class.splitlines()[0].rstrip('| ').endswith('RQ')
    assert '| 45.0 |' in per_class
    assert 'test PQ / SQ / RQ' in table.legend()
    summary = summary_lines([table], False)
    assert '[ipsc_demo] best test PQ: mask2former_ipsc_panoptic_tiny (50.0).' in summary
    line = next(s for s in summary if 'token model' in s)
    assert ('PQ 30.0 vs best baseline mask2former_ipsc_panoptic_tiny 50.0 '
            '(20.0 points behind)') in line


def test_a_tie_with_the_best_baseline_is_level_not_ahead_by_minus_zero():
    records = [done_record('p2s_rle_ipsc_panoptic_tiny', 0.0, tokens=True, PQ=0.0),
               done_record('unet_ipsc_panoptic_tiny', 0.0, PQ=0.0)]
    line = next(s for s in summary_lines(group_by_dataset(records), False)
                if 'token model' in s)
    assert 'test PQ 0.0 (level with best baseline unet_ipsc_panoptic_tiny 0.0)' in line
    assert 'ahead' not in line and '-0.0' not in line


def test_demo_banner_names_the_gpu():
    banner = demo_banner(dict(device='cuda', gpu='NVIDIA H100 80GB HBM3'))
    assert 'on a GPU (NVIDIA H100 80GB HBM3)' in banner and 'CPU' not in banner
    assert 'on CPU' in demo_banner(dict(device='cpu'))


def test_split_mismatch_is_reported():
    (table,) = group_by_dataset([done_record('a_ipsc', 50.0),
                                 done_record('b_ipsc', 60.0, sha='other')])
    assert table.split_mismatch() == ['b_ipsc']
    assert any('different items' in line for line in summary_lines([table], False))


def _save_frames(folder, keys, shapes, rng):
    folder.mkdir()
    arrays = {}
    for i, key in enumerate(keys):
        h, w = shapes[key]
        arrays.update({f'img_{i}': rng.integers(0, 255, (h, w, 3), dtype=np.uint8),
                       f'gt_{i}': rng.integers(0, 3, (h, w), dtype=np.uint8),
                       f'pred_{i}': rng.integers(0, 3, (h, w), dtype=np.uint8)})
    np.savez(folder / 'qualitative.npz', keys=np.array(keys), **arrays)


def test_figures_from_saved_predictions(tmp_path):
    """Frames are matched by key: a video model saves the frames of its windows in
    another order (and fewer) than an image model; frames differ in size."""
    records = [done_record('unet_ipsc_tiny', 80.0), done_record('x_ipsc_video_tiny', 30.0,
                                                                frames_per_item=2)]
    rng = np.random.default_rng(0)
    shapes = {'s1/a.jpg': (8, 8), 's1/b.jpg': (6, 10), 's2/a.jpg': (4, 4)}
    _save_frames(tmp_path / 'unet_ipsc_tiny', ['s1/a.jpg', 's1/b.jpg', 's2/a.jpg'],
                 shapes, rng)
    _save_frames(tmp_path / 'x_ipsc_video_tiny', ['s2/a.jpg', 's1/b.jpg'], shapes, rng)
    paths = write_figures(group_by_dataset(records), str(tmp_path), demo=True)
    assert [os.path.basename(p) for p in paths] == [
        'benchmark_ipsc_demo_metrics.png', 'benchmark_ipsc_demo_qualitative.png']
    for path in paths:
        with open(path, 'rb') as file:
            assert file.read(8) == b'\x89PNG\r\n\x1a\n'


def test_no_qualitative_figure_without_common_frames(tmp_path):
    records = [done_record('unet_ipsc_tiny', 80.0), done_record('x_ipsc_tiny', 30.0)]
    rng = np.random.default_rng(0)
    _save_frames(tmp_path / 'unet_ipsc_tiny', ['a.jpg'], {'a.jpg': (8, 8)}, rng)
    _save_frames(tmp_path / 'x_ipsc_tiny', ['b.jpg'], {'b.jpg': (8, 8)}, rng)
    paths = write_figures(group_by_dataset(records), str(tmp_path), demo=True)
    assert [os.path.basename(p) for p in paths] == ['benchmark_ipsc_demo_metrics.png']


def test_run_models_skips_done_and_reports_missing(tmp_path):
    settings = BenchmarkSettings(work_dir=str(tmp_path))
    atomic_write_json(record_path(str(tmp_path / 'unet_ipsc_tiny')),
                      dict(done_record('unet_ipsc_tiny', 80.0),
                           settings=dict(iters=1, cfg_options={})))
    calls = []

    def fake_runner(run):
        calls.append(run.name)
        return done_record(run.name, 10.0)

    models, _ = resolve_models(None, ['unet_ipsc_tiny', 'deeplabv3plus_ipsc_tiny',
                                      'p2s_rle_nowhere_tiny'])
    stream = io.StringIO()
    records = run_models(models, settings, runner=fake_runner, stream=stream)
    assert calls == ['deeplabv3plus_ipsc_tiny']
    assert [r['status'] for r in records] == ['done', 'done', 'missing']
    text = stream.getvalue()
    assert 'unet_ipsc_tiny: already done, skipped (recorded with ' in text
    assert f"delete {tmp_path / 'unet_ipsc_tiny'} to rerun" in text
    assert 'p2s_rle_nowhere_tiny: missing config, skipped' in text
    json.dumps(records, allow_nan=False)


def test_tta_columns_spread_and_note():
    records = []
    for seed, (plain, tta) in enumerate(((70.0, 80.0), (72.0, 84.0))):
        record = done_record('p2s_rle_ipsc_tiny', plain, tokens=True)
        record['seed'] = seed
        record['eval']['tta'] = dict(views='dihedral', metrics=dict(mDice=tta, mIoU=tta - 10),
                                     b1_img_per_s=1.5)
        records.append(record)
    records.append(done_record('unet_ipsc_tiny', 90.0))
    (table,) = group_by_dataset(records)
    header, _, token_row, unet_row = table.markdown().splitlines()
    headers = [h.strip() for h in header.split('|')]
    cells = [c.strip() for c in token_row.split('|')]
    assert cells[headers.index('test mDice TTA')] == '82.0 ± 2.8'
    assert cells[headers.index('test mIoU TTA')] == '72.0 ± 2.8'
    assert cells[headers.index('img/s b1 TTA')] == '1.5'
    assert cells[headers.index('test mDice')] == '71.0 ± 1.4'
    unet_cells = [c.strip() for c in unet_row.split('|')]
    assert unet_cells[headers.index('test mDice TTA')] == '—'
    assert 'with test-time augmentation (dihedral: class probabilities' in table.legend()
    token_line = next(line for line in summary_lines([table], demo=False)
                      if 'token model' in line)
    assert 'with test-time augmentation (dihedral) mDice 82.0' in token_line
    assert 'test mDice 71.0' in token_line
    assert 'TTA' not in token_line.split('with test-time')[0]


def test_tta_runs_again_a_finished_model_without_it(tmp_path):
    record = dict(done_record('unet_ipsc_tiny', 80.0), settings=dict(iters=1))
    atomic_write_json(record_path(str(tmp_path / 'unet_ipsc_tiny')), record)
    calls = []

    def fake_runner(run):
        calls.append(run.tta)
        done = done_record(run.name, 80.0)
        done['eval']['tta'] = dict(views=run.tta, metrics=dict(mDice=81.0))
        return done

    models, _ = resolve_models(None, ['unet_ipsc_tiny'])
    for tta in (None, 'flips'):
        run_models(models, BenchmarkSettings(work_dir=str(tmp_path), tta=tta),
                   runner=fake_runner, stream=io.StringIO())
    assert calls == ['flips']
    assert is_finished(record) and not is_finished(record, 'flips')
    with pytest.raises(ConfigError, match=r"--tta must be one of \['dihedral', 'flips'\]"):
        BenchmarkSettings(work_dir=str(tmp_path), tta='d8')


def test_a_model_tta_does_not_serve_keeps_its_plain_scores():
    from types import SimpleNamespace

    import torch

    from rleseg.benchmark.scores import tta_scores
    runner = SimpleNamespace(model=torch.nn.Linear(2, 2),
                             test_loop=SimpleNamespace(dataloader=[], evaluator=None))
    result = tta_scores(runner, 'flips')
    assert result['views'] == 'flips' and result['metrics'] == {}
    assert result['error'].startswith('TypeError: SegDihedralTTAModel: test-time '
                                      'augmentation needs a semantic segmentor')
    record = done_record('p2s_rle_ipsc_panoptic_tiny', 50.0, tokens=True)
    record['eval']['tta'] = result
    (table,) = group_by_dataset([record, done_record('unet_ipsc_tiny', 80.0)])
    assert 'mDice TTA' not in table.markdown()
    assert 'No TTA for p2s_rle_ipsc_panoptic_tiny: TypeError: SegDihedralTTAModel' in \
        table.legend()
    assert is_finished(record, 'flips')  # not re-run on every call


def _cells(markdown, model):
    """``{header: cell}`` of ``model``'s row of a markdown table."""
    lines = markdown.splitlines()
    headers = [h.strip() for h in lines[0].strip('|').split('|')]
    row = next(line for line in lines if line.startswith(f'| {model} '))
    return dict(zip(headers, (c.strip() for c in row.strip('|').split('|'))))


def test_every_score_names_its_split():
    """val and test columns side by side; the summary's best model is the best on
    validation (not on test) and says both scores; the legend names both splits."""
    records = [done_record('unet_ipsc_tiny', 90.0, val_mdice=70.0),
               done_record('deeplabv3plus_ipsc_tiny', 80.0, val_mdice=75.0)]
    (table,) = group_by_dataset(records)
    cells = _cells(table.markdown(), 'deeplabv3plus_ipsc_tiny')
    assert cells['val mDice'] == '75.0' and cells['test mDice'] == '80.0'
    assert not any(h in cells for h in ('mDice', 'mIoU', 'PQ'))  # no unnamed split
    legend = table.legend()
    assert 'test = the test split (4 images)' in legend
    assert 'val = the validation split (3 images)' in legend
    summary = summary_lines([table], False)
    assert ('[ipsc_demo] best on the validation split: deeplabv3plus_ipsc_tiny '
            '(val mDice 75.0; test mDice 80.0).') in summary
    row = flatten(records[0])
    assert row['val_mDice'] == 70.0 and row['val_mIoU'] == 60.0 and row['mDice'] == 90.0


def test_records_without_validation_split_stay_readable():
    """A record made before the validation split (no ``eval.val``) or from a config
    without one (``eval.val`` None): val shows —, the summary ranks on test and says
    it is not a selection."""
    old = done_record('unet_ipsc_tiny', 90.0)
    none = done_record('deeplabv3plus_ipsc_tiny', 80.0)
    none['eval']['val'] = None
    (table,) = group_by_dataset([old, none])
    assert _cells(table.markdown(), 'unet_ipsc_tiny')['val mDice'] == '—'
    assert _cells(table.markdown(), 'deeplabv3plus_ipsc_tiny')['val mDice'] == '—'
    assert 'none in these configs (no val_dataloader)' in table.legend()
    summary = summary_lines([table], False)
    assert ('[ipsc_demo] no validation split: best test mDice unet_ipsc_tiny (90.0), a '
            'ranking on the reported split, not a selection.') in summary


def test_folds_and_seeds_aggregate_on_both_splits():
    """2 folds x 2 seeds: n = 4 runs, mean ± std over all of them on val (each fold
    its own validation items) and on the one test split."""
    records = []
    for fold, seed, val, test in ((0, 0, 60.0, 80.0), (0, 1, 62.0, 81.0),
                                  (1, 0, 70.0, 79.0), (1, 1, 68.0, 82.0)):
        record = done_record('unet_ipsc_tiny', test, val_mdice=val, val_sha=f'f{fold}')
        records.append(dict(record, fold=fold, seed=seed))
    failed = dict(name='unet_ipsc_tiny', fold=2, seed=0, status='failed', error='boom')
    (table,) = group_by_dataset(records + [failed])
    cells = _cells(table.markdown(), 'unet_ipsc_tiny')
    assert cells['n'] == '4' and cells['folds'] == '2'
    assert cells['val mDice'] == '65.0 ± 4.8' and cells['test mDice'] == '80.5 ± 1.3'
    assert 'held-out fold of K-fold cross-validation' in table.legend()
    assert table.notes() == ['unet_ipsc_tiny fold 2 seed 0: failed (boom)']
    assert table.split_mismatch() == []  # each fold compared with its own fold
    other = dict(done_record('deeplabv3plus_ipsc_tiny', 70.0, val_mdice=50.0,
                             val_sha='elsewhere'), fold=0, seed=0)
    (mixed,) = group_by_dataset(records + [other])
    assert mixed.split_mismatch() == ['deeplabv3plus_ipsc_tiny (val)']
    runs = list(csv.DictReader(io.StringIO(table.csv_text(runs=True))))
    assert [r['fold'] for r in runs] == ['0', '0', '1', '1', '2']


def test_a_score_some_runs_lack_is_not_averaged_over_the_others():
    rows = [flatten(done_record('unet_ipsc_tiny', 80.0, val_mdice=70.0)),
            flatten(done_record('unet_ipsc_tiny', 82.0))]
    row = aggregate(rows)
    assert row['val_mDice'] is None and row['mDice'] == 81.0


def test_report_keeps_the_rows_of_another_run_on_the_work_dir(tmp_path):
    """Two benchmark runs with different models on one work dir: the second run's
    report holds the first run's models too (its own run wins for a shared run)."""
    first = dict(done_record('unet_ipsc_tiny', 80.0), seed=0)
    atomic_write_json(record_path(str(tmp_path / 'unet_ipsc_tiny' / 'seed_0')), first)
    folded = dict(done_record('p2s_rle_ipsc_tiny', 40.0, tokens=True), fold=1, seed=0)
    atomic_write_json(record_path(str(tmp_path / 'p2s_rle_ipsc_tiny' / 'fold_1' /
                                      'seed_0')), folded)
    stale = dict(done_record('deeplabv3plus_ipsc_tiny', 10.0), seed=0)
    atomic_write_json(record_path(str(tmp_path / 'deeplabv3plus_ipsc_tiny' / 'seed_0')),
                      stale)
    deep = tmp_path / 'unet_ipsc_tiny' / 'seed_0' / 'a' / 'b'  # not a run folder
    atomic_write_json(record_path(str(deep)), done_record('nested', 1.0))
    this_run = [dict(done_record('deeplabv3plus_ipsc_tiny', 70.0), seed=0)]
    merged = work_dir_records(this_run, str(tmp_path))
    assert [(r['name'], r['eval']['metrics']['mDice']) for r in merged] == [
        ('deeplabv3plus_ipsc_tiny', 70.0), ('p2s_rle_ipsc_tiny', 40.0),
        ('unet_ipsc_tiny', 80.0)]
