"""Several seeds per model: mean ± std tables, the gap against the spread, resume."""
import io
import json

import pytest

from rleseg.benchmark import BenchmarkSettings, resolve_models, run_models
from rleseg.benchmark.records import atomic_write_json, record_path
from rleseg.benchmark.report import DatasetTable, aggregate, summary_lines


def _record(name, seed, dice, ceiling=None, model_type='EncoderDecoder'):
    metrics = dict(mDice=dice, mIoU=dice - 5, mRecall=dice, mPrecision=dice)
    evaluation = dict(metrics=metrics, latency=dict(b1_img_per_s=10.0, b8_img_per_s=20.0),
                      params=1000, model_type=model_type,
                      dataset=dict(label='ipsc_demo', items_sha1='x', num_items=12,
                                   classes=['bg', 'a'], generated=True,
                                   frames_per_item=1))
    if ceiling is not None:
        evaluation['ceiling'] = dict(mDice=ceiling)
    return dict(name=name, seed=seed, status='done', train=dict(iters=100, batch_size=4),
                eval=evaluation)


def test_aggregate_means_and_sample_std():
    rows = [dict(model='m', seed=s, status='done', n=1, mDice=v, note='x')
            for s, v in ((0, 10.0), (1, 20.0), (2, 30.0))]
    row = aggregate(rows)
    assert row['mDice'] == pytest.approx(20.0) and row['mDice_std'] == pytest.approx(10.0)
    assert row['n'] == 3 and row['seeds'] == [0, 1, 2] and row['note'] == 'x'


def test_seeded_table_shows_mean_std_and_n_and_the_verdict():
    records = [_record('p2s_rle_ipsc_tiny', s, d, ceiling=80.0, model_type='Pix2SeqSegmentor')
               for s, d in ((0, 30.0), (1, 34.0), (2, 32.0))]
    records += [_record('unet_ipsc_tiny', s, d) for s, d in ((0, 60.0), (1, 62.0), (2, 61.0))]
    table = DatasetTable('ipsc_demo', records)
    markdown = table.markdown()
    headers = [h.strip() for h in markdown.splitlines()[0].split('|')]
    assert {'n', 'test ceiling mDice', '% of ceiling'} <= set(headers)
    p2s = next(line for line in markdown.splitlines() if 'p2s_rle' in line)
    assert '32.0 ± 2.0' in p2s and '80.0 ± 0.0' in p2s and ' 40 ± 2 |' in p2s  # 32 / 80
    assert len([r for r in table.rows()]) == 2 and len(table.run_rows()) == 6
    runs = table.csv_text(runs=True).splitlines()
    assert len(runs) == 7 and runs[0].startswith('model,seed')
    summary = ' '.join(summary_lines([table], demo=True))
    assert 'larger than the seed spread' in summary
    assert 'generated data' in summary and 'reaches 40% of it' in summary


def test_a_gap_within_the_spread_is_called_so():
    records = [_record('p2s_rle_ipsc_tiny', s, d, model_type='Pix2SeqSegmentor')
               for s, d in ((0, 40.0), (1, 60.0))]
    records += [_record('unet_ipsc_tiny', s, d) for s, d in ((0, 45.0), (1, 65.0))]
    summary = ' '.join(summary_lines([DatasetTable('ipsc_demo', records)], demo=False))
    assert 'within the seed spread' in summary


def test_real_data_is_not_called_generated():
    record = _record('unet_ipsc_tiny', None, 50.0)
    record['eval']['dataset']['generated'] = False
    summary = summary_lines([DatasetTable('nuclei', [record])], demo=True)
    assert 'real data' in summary[0] and 'generated' not in summary[0]


def test_multi_seed_run_resumes_per_model_and_seed(tmp_path):
    """An interrupted three-seed run keeps its finished (model, seed) runs and runs
    only the rest when started again."""
    settings = BenchmarkSettings(work_dir=str(tmp_path), seeds=[0, 1, 2])
    models, _ = resolve_models(None, ['unet_ipsc_tiny', 'deeplabv3plus_ipsc_tiny'])
    calls = []

    def interrupted(run):
        if (run.name, run.seed) == ('unet_ipsc_tiny', 2):
            raise KeyboardInterrupt
        calls.append((run.name, run.seed))
        record = _record(run.name, run.seed, 50.0 + run.seed)
        atomic_write_json(record_path(run.model_dir), record)
        return record

    with pytest.raises(KeyboardInterrupt):
        run_models(models, settings, runner=interrupted, stream=io.StringIO())
    assert calls == [('unet_ipsc_tiny', 0), ('unet_ipsc_tiny', 1)]
    assert (tmp_path / 'unet_ipsc_tiny' / 'seed_1' / 'benchmark_record.json').is_file()

    calls.clear()

    def resumed(run):
        calls.append((run.name, run.seed))
        return _record(run.name, run.seed, 50.0 + run.seed)

    stream = io.StringIO()
    records = run_models(models, settings, runner=resumed, stream=stream)
    assert calls == [('unet_ipsc_tiny', 2)] + [('deeplabv3plus_ipsc_tiny', s)
                                              for s in (0, 1, 2)]
    assert [(r['name'], r['seed']) for r in records] == [
        (m, s) for m in ('unet_ipsc_tiny', 'deeplabv3plus_ipsc_tiny') for s in (0, 1, 2)]
    assert stream.getvalue().count('already done, skipped') == 2
    json.dumps(records, allow_nan=False)


def test_repeated_seeds_and_two_budgets_are_refused():
    with pytest.raises(ValueError, match='repeats a seed'):
        BenchmarkSettings(work_dir='w', seeds=[0, 0])
    with pytest.raises(ValueError, match='not both'):
        BenchmarkSettings(work_dir='w', iters=10, budget_minutes=1.0)
    with pytest.raises(ValueError, match='at least 1'):
        BenchmarkSettings(work_dir='w', iters=0)
    with pytest.raises(ValueError, match='must be positive'):
        BenchmarkSettings(work_dir='w', budget_minutes=0.0)
