"""benchmarks/decode_speed.py runs end to end (tiny settings) and prints its table."""
import importlib.util


def test_decode_speed_script_prints_a_table(tmp_path):
    spec = importlib.util.spec_from_file_location('decode_speed',
                                                  'benchmarks/decode_speed.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path / 'table.md'
    table = module.main(['--max-len', '16', '--batch-sizes', '2', '--full-batch-sizes', '2',
                         '--eos-at', '6', '--repeats', '1', '--out', str(out)])
    assert out.read_text().strip() == table.strip()
    rows = [line for line in table.splitlines() if line.startswith('| KV cache')
            or line.startswith('| full recompute')]
    assert len(rows) == 4
    early = [r for r in rows if 'stop at EOS' in r][0].split('|')
    assert early[3].strip() == '7'  # real tokens: 6 run tokens + EOS
    assert 'grammar overhead' in table and 'KV cache speed-up' in table
    static = [line for line in table.splitlines() if line.startswith('| static step')]
    assert len(static) == 2 and static[1].split('|')[3].strip() == '7'
    assert 'static step' in table and 'same tokens: yes' in table
    assert 'top-p 0.4 sampling before issue 14' in table and 'of a cached decoder step' in table
