"""tools/benchmark.py with --seeds and --curve-points on a real model (UNet, 4
iterations): learning curves on the validation split that leave training untouched,
both splits scored, a seeded table, and ``--budget-minutes`` recording the
iterations each model got."""
import json

import torch

from rleseg.benchmark.curves import curve_iterations
from rleseg.engine.checkpoint import load_checkpoint_safely


def _weights(model_dir):
    checkpoint = (model_dir / 'last_checkpoint').read_text().strip()
    return load_checkpoint_safely(checkpoint, map_location='cpu')['state_dict']


def test_curve_iterations_are_evenly_spaced():
    assert curve_iterations(200, 4) == [50, 100, 150, 200]
    assert curve_iterations(3, 5) == [1, 2, 3]
    assert curve_iterations(10, 0) == []


def test_seeded_curves_leave_training_untouched(tmp_path, benchmark_tool, capsys):
    common = ['unet_ipsc_tiny', '--iters', '4', '--latency-repeats', '1', '--num-vis', '1']
    curved, plain = tmp_path / 'curved', tmp_path / 'plain'
    assert benchmark_tool.main(common + ['--seeds', '0', '1', '--curve-points', '2',
                                         '--work-dir', str(curved)]) == 0
    assert benchmark_tool.main(common + ['--seeds', '0', '--work-dir', str(plain)]) == 0
    out = capsys.readouterr().out

    with_curve = _weights(curved / 'unet_ipsc_tiny' / 'seed_0')
    without = _weights(plain / 'unet_ipsc_tiny' / 'seed_0')
    assert with_curve.keys() == without.keys()
    for key in without:  # scoring mid-training changed nothing of the training
        assert torch.equal(with_curve[key], without[key]), key
    seed_1 = _weights(curved / 'unet_ipsc_tiny' / 'seed_1')
    assert any(not torch.equal(seed_1[k], without[k]) for k in without
               if without[k].is_floating_point())

    record = json.loads((curved / 'unet_ipsc_tiny' / 'seed_0' /
                         'benchmark_record.json').read_text())
    curve = record['train']['curve']
    assert [p['iter'] for p in curve] == [2, 4]
    assert [p['split'] for p in curve] == ['val', 'val']  # never the test split
    val = record['eval']['val']
    assert curve[-1]['mDice'] == val['metrics']['mDice']
    assert val['dataset']['items_sha1'] != record['eval']['dataset']['items_sha1']
    assert 0 < curve[0]['train_s'] < curve[1]['train_s']
    assert (curved / 'benchmark_ipsc_demo_curves.png').read_bytes()[:4] == b'\x89PNG'
    markdown = (curved / 'benchmark_ipsc_demo.md').read_text()
    row = next(line for line in markdown.splitlines() if 'unet_ipsc_tiny' in line)
    headers = [h.strip() for h in markdown.split('\n| model')[1].split('\n')[0].split('|')]
    assert ' ± ' in row and {'n', 'val mDice', 'test mDice'} <= set(headers)
    runs = (curved / 'benchmark_ipsc_demo_runs.csv').read_text().splitlines()
    assert len(runs) == 3
    plain_md = (plain / 'benchmark_ipsc_demo.md').read_text()
    assert 'n' not in [h.strip() for h in plain_md.split('\n| model')[1].split('\n')[0]
                       .split('|')]  # one seed: no n column
    assert 'generated data' in out
    assert ': done, val mDice ' in out and ', test mDice ' in out  # progress lines


def test_budget_minutes_records_the_iterations_each_model_got(tmp_path, benchmark_tool,
                                                              capsys):
    code = benchmark_tool.main(['unet_ipsc_tiny', '--budget-minutes', '0.05',
                                '--latency-repeats', '1', '--num-vis', '1',
                                '--work-dir', str(tmp_path)])
    assert code == 0, capsys.readouterr().out
    record = json.loads((tmp_path / 'unet_ipsc_tiny' /
                         'benchmark_record.json').read_text())
    budget = record['budget']
    assert budget['minutes'] == 0.05 and budget['warmup_sec_per_iter'] > 0
    assert budget['iters'] == max(1, int(3.0 / budget['warmup_sec_per_iter']))
    assert record['train']['iters'] == budget['iters']


def test_tta_rescores_a_finished_run_from_its_checkpoint(tmp_path, benchmark_tool):
    """``--eval-only --tta`` on a finished run adds the TTA scores of the same
    checkpoint; the plain scores and the learning curve stay as they were."""
    common = ['unet_ipsc_tiny', '--iters', '2', '--seeds', '0', '--curve-points', '2',
              '--latency-repeats', '1', '--num-vis', '1', '--work-dir', str(tmp_path)]
    assert benchmark_tool.main(common) == 0
    path = tmp_path / 'unet_ipsc_tiny' / 'seed_0' / 'benchmark_record.json'
    before = json.loads(path.read_text())
    assert before['eval']['tta'] is None
    assert benchmark_tool.main(common + ['--eval-only', '--tta', 'flips']) == 0
    after = json.loads(path.read_text())
    assert after['eval']['metrics'] == before['eval']['metrics']
    assert after['train']['curve'] == before['train']['curve']  # no repeated final point
    tta = after['eval']['tta']
    assert tta['views'] == 'flips' and 0.0 <= tta['metrics']['mDice'] <= 100.0
    assert 0 < tta['b1_img_per_s'] < after['eval']['latency']['b1_img_per_s']  # 3 views
    assert not any(key.startswith('seq_') for key in tta['metrics'])
    markdown = (tmp_path / 'benchmark_ipsc_demo.md').read_text()
    assert 'mDice TTA' in markdown and 'img/s b1 TTA' in markdown
    assert 'test-time augmentation (flips' in markdown


def test_a_config_without_validation_split_is_scored_on_test_only(tmp_path,
                                                                   benchmark_tool):
    """No ``val_dataloader``: no curve, ``eval.val`` None, the val column shows —."""
    assert benchmark_tool.main(['unet_ipsc_tiny', '--iters', '2', '--curve-points', '2',
                                '--latency-repeats', '1', '--num-vis', '1',
                                '--cfg-options', 'val_dataloader=None',
                                '--work-dir', str(tmp_path)]) == 0
    record = json.loads((tmp_path / 'unet_ipsc_tiny' /
                         'benchmark_record.json').read_text())
    assert record['eval']['val'] is None and record['train']['curve'] == []
    assert 0.0 <= record['eval']['metrics']['mDice'] <= 100.0
    markdown = (tmp_path / 'benchmark_ipsc_demo.md').read_text()
    header, row = (next(line for line in markdown.splitlines() if line.startswith(start))
                   for start in ('| model', '| unet_ipsc_tiny'))
    headers = [h.strip() for h in header.strip('|').split('|')]
    assert [c.strip() for c in row.strip('|').split('|')][headers.index('val mDice')] == '—'
    assert 'none in these configs (no val_dataloader)' in markdown
