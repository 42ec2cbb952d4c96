"""The console table: the columns a reader compares, never wider than 120 characters;
the files keep every column."""
from rleseg.benchmark.console import MAX_WIDTH, console_table, shorten


def _row(model, **extra):
    row = dict(model=model, status='done', n=3, iters=1500, mDice=84.31, mDice_std=1.04,
               mIoU=73.2, sec_per_iter=0.0791, b1_img_per_s=11.9, b8_img_per_s=34.3)
    row.update(extra)
    return row


ROWS = [
    _row('p2s_ablation/p2s_rle_nuclei_reg_grid_pointer_end_aug_majority_bilinear_tiny',
         ceiling_mDice=92.68, ceiling_mDice_std=0.0, pct_of_ceiling=91.0,
         val_mDice=80.12, val_mDice_std=2.0,
         tta_mDice=87.7, tta_mDice_std=0.7, PQ=61.2),
    _row('unet_nuclei_tiny', mDice=93.6, mDice_std=0.1, tta_mDice=93.6, tta_mDice_std=0.1),
    dict(model='mask2former_nuclei_tiny', status='failed', error='worker exited with 1'),
]


def test_console_table_fits_and_keeps_the_columns_a_reader_compares():
    text = console_table(ROWS)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= MAX_WIDTH
    header = [cell.strip() for cell in lines[0].split('  ') if cell.strip()]
    assert header == ['model', 'iters', 'val mDice', 'test mDice', 'test TTA',
                      'test PQ', 'test ceiling', 's/iter', 'img/s b1/b8']
    assert set(lines[1]) == {'-', ' '}
    token = [cell.strip() for cell in lines[2].split('  ') if cell.strip()]
    assert token[1:] == ['1500', '80.1 ± 2.0', '84.3 ± 1.0', '87.7 ± 0.7', '61.2',
                         '92.7 (91%)', '0.079', '12 / 34']
    assert token[0].startswith('p2s_ablation/p2s') and '…' in token[0]
    assert token[0].endswith('bilinear_tiny') and len(token[0]) >= 30
    unet = [cell.strip() for cell in lines[3].split('  ') if cell.strip()]
    assert unet[0] == 'unet_nuclei_tiny' and unet[2] == '—'  # not validated
    assert unet[5:7] == ['—', '—']  # no PQ, no ceiling
    failed = [cell.strip() for cell in lines[4].split('  ') if cell.strip()]
    assert failed[0] == 'mask2former_nuclei_tiny (failed)' and set(failed[1:]) == {'—'}


def test_optional_columns_appear_only_when_some_model_has_them():
    text = console_table([_row('unet_nuclei_tiny'), _row('deeplabv3plus_nuclei_tiny')])
    header = text.splitlines()[0]
    assert 'TTA' not in header and 'PQ' not in header and 'ceiling' not in header
    assert 'deeplabv3plus_nuclei_tiny' in text  # short names stay whole


def test_shorten_keeps_both_ends():
    assert shorten('abcdefghij', 20) == 'abcdefghij'
    assert shorten('abcdefghij', 7) == 'abc…hij' and len(shorten('abcdefghij', 6)) == 6
