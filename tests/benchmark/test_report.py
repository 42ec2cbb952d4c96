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
from rleseg.benchmark.records import atomic_write_json, read_json, record_path
from rleseg.benchmark.report import DEMO_BANNER, group_by_dataset, summary_lines

CLASSES = ['background', 'ipsc', 'diff']


def done_record(name, mdice, tokens=False, sha='abc'):
    metrics = {'mDice': mdice, 'mIoU': mdice - 10, 'mRecall': 70.0, 'mPrecision': 60.0,
               'dataset_mDice': mdice + 1, 'dataset_mIoU': mdice - 9,
               'Dice_ipsc': mdice, 'Dice_diff': mdice, 'Recall_ipsc': 1.0,
               'dataset_Dice_ipsc': 2.0, 'num_images': 4.0}
    if tokens:
        metrics.update(seq_tokens_per_image=12.0, seq_gt_tokens_per_image=40.0,
                       seq_truncated_pct=0.0, seq_malformed_pct=1.5)
    return dict(
        name=name, config=f'configs/{name}.py', status='done',
        train=dict(iters=1, batch_size=2, sec_per_iter=0.5, wall_s=1.0,
                   peak_mem_mib=500.0),
        eval=dict(metrics=metrics, latency=dict(b1_img_per_s=10.0, b8_img_per_s=40.0),
                  peak_mem_mib=600.0, params=1_500_000, test_wall_s=1.0,
                  model_type='Pix2SeqSegmentor' if tokens else 'EncoderDecoder',
                  dataset=dict(label='ipsc_demo', classes=CLASSES, palette=[],
                               num_items=4, items_sha1=sha),
                  qualitative=dict(file='qualitative.npz', names=['a.jpg'])),
        machine=dict(host='h', device='cpu', cpu='x'))


def test_suites_and_config_resolution():
    assert SUITES['demo'].configs == ('p2s_rle_ipsc_tiny', 'unet_ipsc_tiny',
                                      'deeplabv3plus_ipsc_tiny', 'mask2former_ipsc_tiny')
    assert SUITES['demo'].demo and not SUITES['ipsc'].demo
    spec = resolve_config('unet_ipsc_tiny')
    assert spec.config.endswith('configs/unet_ipsc_tiny.py')
    assert resolve_config('configs/unet_ipsc_tiny.py') == spec
    assert resolve_config('no_such_model_tiny').config is None
    models, demo = resolve_models(None, ['unet_ipsc_tiny', 'unet_ipsc_tiny.py'])
    assert [m.name for m in models] == ['unet_ipsc_tiny'] and demo
    with pytest.raises(ValueError, match='unknown suite'):
        resolve_models('nope')


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
    summary = summary_lines([table], demo=True)
    assert summary[0] == DEMO_BANNER
    token_line = next(line for line in summary if 'token model' in line)
    assert '60.0 points behind' in token_line and 'far behind' in token_line
    assert '12.0 tokens/image generated vs 40.0 in the ground truth' in token_line
    assert any('not evaluated: mask2former_ipsc_tiny: failed' in s for s in summary)


def test_split_mismatch_is_reported():
    (table,) = group_by_dataset([done_record('a_ipsc', 50.0),
                                 done_record('b_ipsc', 60.0, sha='other')])
    assert table.split_mismatch() == ['b_ipsc']
    assert any('different items' in line for line in summary_lines([table], False))


def test_figures_from_saved_predictions(tmp_path):
    records = [done_record('unet_ipsc_tiny', 80.0), done_record('x_ipsc_tiny', 30.0)]
    rng = np.random.default_rng(0)
    for record in records:
        folder = tmp_path / record['name']
        folder.mkdir()
        np.savez(folder / 'qualitative.npz', names=np.array(['a.jpg']),
                 img_0=rng.integers(0, 255, (8, 8, 3), dtype=np.uint8),
                 gt_0=rng.integers(0, 3, (8, 8), dtype=np.uint8),
                 pred_0=rng.integers(0, 3, (8, 8), dtype=np.uint8))
    paths = write_figures(group_by_dataset(records), str(tmp_path), demo=True)
    assert [os.path.basename(p) for p in paths] == [
        'benchmark_ipsc_demo_metrics.png', 'benchmark_ipsc_demo_qualitative.png']
    for path in paths:
        with open(path, 'rb') as file:
            assert file.read(8) == b'\x89PNG\r\n\x1a\n'


def test_run_models_skips_done_and_reports_missing(tmp_path):
    settings = BenchmarkSettings(work_dir=str(tmp_path))
    atomic_write_json(record_path(str(tmp_path / 'unet_ipsc_tiny')),
                      dict(done_record('unet_ipsc_tiny', 80.0),
                           settings=dict(iters=1, cfg_options={})))
    calls = []

    def fake_runner(spec, settings, progress):
        calls.append(spec.name)
        return done_record(spec.name, 10.0)

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
