"""tools/benchmark.py with image, video and panoptic models in one run (one iteration
each): they land in one table, scored on the same 12 test frames, with the video and
panoptic columns and one qualitative figure over the same frames."""
import json

import pytest

MODELS = ('p2s_rle_ipsc_video_n2_tiny', 'p2s_rle_ipsc_video_static_tiny',
          'p2s_rle_ipsc_panoptic_tiny', 'unet_ipsc_tiny')


def test_image_video_and_panoptic_models_share_one_table(tmp_path, benchmark_tool,
                                                         capsys):
    code = benchmark_tool.main([*MODELS, '--iters', '1', '--work-dir', str(tmp_path),
                             '--latency-repeats', '1', '--num-vis', '3'])
    out = capsys.readouterr().out
    assert code == 0, out
    report = json.loads((tmp_path / 'benchmark_ipsc_demo.json').read_text())
    assert [m['name'] for m in report['models']] == list(MODELS)
    datasets = [m['eval']['dataset'] for m in report['models']]
    assert len({d['items_sha1'] for d in datasets}) == 1       # the same frames
    assert [d['num_items'] for d in datasets] == [12] * 4
    assert [d['frames_per_item'] for d in datasets] == [2, 4, 1, 1]
    metrics = [m['eval']['metrics'] for m in report['models']]
    assert [m['num_images'] for m in metrics] == [12] * 4        # every frame once
    assert 0.0 <= metrics[2]['PQ'] <= 100.0 and 'PQ' not in metrics[3]  # panoptic only
    for m in metrics[:2]:                                        # window token stats
        assert m['seq_gt_tokens_per_frame'] > 0
        assert m['seq_gt_tokens_per_image'] == pytest.approx(
            m['seq_gt_tokens_per_frame'] * m['frames_per_window'])
    header = (tmp_path / 'benchmark_ipsc_demo.md').read_text().split('\n| model')[1]
    headers = [h.strip() for h in header.split('\n')[0].split('|')]
    for column in ('test PQ', 'N', 'tokens/frame', 'GT tokens/frame', 'ms/frame b1',
                   'GT trunc. %'):
        assert column in headers
    assert 'WARNING' not in out and 'different items' not in out
    png = tmp_path / 'benchmark_ipsc_demo_qualitative.png'
    assert png.read_bytes()[:4] == b'\x89PNG'
    for name in MODELS:
        record = json.loads((tmp_path / name / 'benchmark_record.json').read_text())
        assert len(record['eval']['qualitative']['keys']) == 3
