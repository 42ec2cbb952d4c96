"""tools/benchmark.py --suite demo (the four paradigms on the shipped real nuclei crops)
with a one-iteration schedule, then a resumed run.

Each model trains one iteration in its own worker process, is scored on the nuclei test
split and measured; the second run must find every model finished and skip it. The
demo budgets live in the configs: each schedule is the tiny schedule scaled to them.
"""
import csv
import json
import os
from pathlib import Path

from mmengine.config import Config

from rleseg.benchmark import SUITES
from rleseg.benchmark.schedule import scale_schedule

REPO = Path(__file__).resolve().parents[2]


def test_demo_suite_end_to_end_then_resume(tmp_path, benchmark_tool, capsys):
    tool = benchmark_tool
    argv = ['--suite', 'demo', '--iters', '1', '--work-dir', str(tmp_path),
            '--latency-repeats', '1', '--num-vis', '2']
    names = SUITES['demo'].configs
    present = [n for n in names if (REPO / 'configs' / f'{n}.py').is_file()]
    assert set(present) == set(names) == {f'{model}_nuclei_tiny' for model in (
        'p2s_rle', 'unet', 'deeplabv3plus', 'mask2former')}

    code = tool.main(argv)
    first = capsys.readouterr().out
    assert code == (0 if len(present) == len(names) else 1), first
    assert 'DEMO SCALE' in first and 'on real data' in first

    stem = tmp_path / 'benchmark_nuclei'
    markdown = Path(f'{stem}.md').read_text()
    assert 'DEMO SCALE' in markdown and 'on real data' in markdown
    table_rows = [line for line in markdown.splitlines() if line.startswith('| ')][1:]
    assert [row.split('|')[1].split(' (')[0].strip() for row in table_rows] == list(names)
    for name in present:
        record = json.loads((tmp_path / name / 'benchmark_record.json').read_text())
        assert record['status'] == 'done', record.get('error')
        assert record['train']['iters'] == 1
        metrics = record['eval']['metrics']
        assert 0.0 <= metrics['mDice'] <= 100.0 and metrics['num_images'] == 8
        assert record['eval']['latency']['b8_img_per_s'] > 0
        assert record['eval']['params'] > 0 and record['eval']['peak_mem_mib'] > 0
    shas = {json.loads((tmp_path / n / 'benchmark_record.json').read_text())
            ['eval']['dataset']['items_sha1'] for n in present}
    assert len(shas) == 1  # every model scored on identical test items

    rows = list(csv.DictReader(open(f'{stem}.csv')))
    assert [r['model'] for r in rows] == list(names)
    report = json.loads(Path(f'{stem}.json').read_text())
    assert report['demo'] and report['machine']['cpu_count'] >= 1
    assert [m['name'] for m in report['models']] == list(names)
    assert report['test_split']['num_items'] == 8
    per_class = Path(f'{stem}_per_class.md').read_text()
    assert 'Dice (dataset)' in per_class and 'unet_nuclei_tiny' in per_class
    for png in (f'{stem}_metrics.png', f'{stem}_qualitative.png'):
        assert Path(png).read_bytes()[:4] == b'\x89PNG'

    records_before = {n: os.stat(tmp_path / n / 'benchmark_record.json').st_mtime_ns
                      for n in present}
    tool.main(argv)
    second = capsys.readouterr().out
    for name in present:
        assert f'{name}: already done, skipped' in second
        assert os.stat(tmp_path / name /
                       'benchmark_record.json').st_mtime_ns == records_before[name]
    assert Path(f'{stem}.md').read_text().count('| ') == markdown.count('| ')


def test_demo_budgets_are_the_tiny_schedule_scaled():
    """Each demo config trains its own budget on the tiny schedule stretched to it, the
    schedule ``--iters N`` would make, so `--iters` comparisons are unchanged."""
    tiny = Config.fromfile(str(REPO / 'configs/_base_/schedules/schedule_tiny.py'))
    budgets = {}
    for name in SUITES['demo'].configs:
        cfg = Config.fromfile(str(REPO / 'configs' / f'{name}.py'))
        iters = budgets[name] = cfg.train_cfg.max_iters
        scaled = Config.fromfile(str(REPO / 'configs/_base_/schedules/schedule_tiny.py'))
        scale_schedule(scaled, iters)
        assert cfg.param_scheduler == scaled.param_scheduler, name
        assert cfg.train_cfg.val_interval == scaled.train_cfg.val_interval == iters
        assert cfg.default_hooks.checkpoint.interval == iters
        assert cfg.optim_wrapper == tiny.optim_wrapper
    assert budgets['p2s_rle_nuclei_tiny'] == 1500
    assert {budgets[n] for n in budgets if not n.startswith('p2s')} == {400}
