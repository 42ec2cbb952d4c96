"""tools/benchmark.py --suite demo with a one-iteration schedule, then a resumed run.

Each model trains one iteration in its own worker process, is scored on the demo test
split and measured; the second run must find every model finished and skip it.
"""
import csv
import json
import os
from pathlib import Path

from rleseg.benchmark import SUITES

REPO = Path(__file__).resolve().parents[2]


def test_demo_suite_end_to_end_then_resume(tmp_path, benchmark_tool, capsys):
    tool = benchmark_tool
    argv = ['--suite', 'demo', '--iters', '1', '--work-dir', str(tmp_path),
            '--latency-repeats', '1', '--num-vis', '2']
    names = SUITES['demo'].configs
    present = [n for n in names if (REPO / 'configs' / f'{n}.py').is_file()]
    assert {'unet_ipsc_tiny', 'deeplabv3plus_ipsc_tiny',
            'mask2former_ipsc_tiny'} <= set(present)

    code = tool.main(argv)
    first = capsys.readouterr().out
    assert code == (0 if len(present) == len(names) else 1), first
    assert 'DEMO SCALE' in first

    stem = tmp_path / 'benchmark_ipsc_demo'
    markdown = Path(f'{stem}.md').read_text()
    assert 'DEMO SCALE' in markdown
    table_rows = [line for line in markdown.splitlines() if line.startswith('| ')][1:]
    assert [row.split('|')[1].split(' (')[0].strip() for row in table_rows] == list(names)
    for name in present:
        record = json.loads((tmp_path / name / 'benchmark_record.json').read_text())
        assert record['status'] == 'done', record.get('error')
        assert record['train']['iters'] == 1
        metrics = record['eval']['metrics']
        assert 0.0 <= metrics['mDice'] <= 100.0 and metrics['num_images'] == 12
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
    assert report['test_split']['num_items'] == 12
    per_class = Path(f'{stem}_per_class.md').read_text()
    assert 'Dice (dataset)' in per_class and 'unet_ipsc_tiny' in per_class
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
