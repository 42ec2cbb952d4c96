"""The benchmark table as the terminal shows it: the columns a reader compares, at most
:data:`MAX_WIDTH` characters wide.

The files (markdown, CSV, JSON) keep every column; the console keeps the model, its
training budget, validation and test mDice with their spread over seeds, the token
ceiling with the share of it the model reaches, training seconds per iteration and
inference throughput (plus test mDice with TTA, ``test TTA``, and PQ when the table
has them). Model names that do not fit are shortened in the middle
(``p2s_rle_nuc…_bilinear_tiny``); the files have them whole.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from .records import STATUS_DONE

#: Widest console line (characters).
MAX_WIDTH = 120
#: Narrowest model column: names are never shortened below this.
MIN_NAME = 12

Row = Dict[str, Any]


def _num(value: Optional[float], fmt: str) -> str:
    return '—' if value is None else format(value, fmt)


def _spread(row: Row, key: str) -> str:
    """``mean ± std`` (std only over several seeds), ``—`` when missing."""
    value, std = row.get(key), row.get(f'{key}_std')
    if value is None:
        return '—'
    return f'{value:.1f}' + (f' ± {std:.1f}' if std is not None else '')


def _ceiling(row: Row) -> str:
    """``92.7 (91%)``: the token ceiling and the share of it the model reaches."""
    if row.get('ceiling_mDice') is None:
        return '—'
    share = row.get('pct_of_ceiling')
    return f"{row['ceiling_mDice']:.1f}" + (f' ({share:.0f}%)' if share is not None
                                            else '')


def _throughput(row: Row) -> str:
    """``b1 / b8`` images per second."""
    b1, b8 = row.get('b1_img_per_s'), row.get('b8_img_per_s')
    if b1 is None and b8 is None:
        return '—'
    return f"{_num(b1, '.0f')} / {_num(b8, '.0f')}"


#: (header, cell of a finished row, shown when some row has this key or always).
COLUMNS: Tuple[Tuple[str, Callable[[Row], str], Optional[str]], ...] = (
    ('iters', lambda r: _num(r.get('iters'), '.0f'), None),
    ('val mDice', lambda r: _spread(r, 'val_mDice'), None),
    ('test mDice', lambda r: _spread(r, 'mDice'), None),
    ('test TTA', lambda r: _spread(r, 'tta_mDice'), 'tta_mDice'),
    ('test PQ', lambda r: _spread(r, 'PQ'), 'PQ'),
    ('test ceiling', _ceiling, 'ceiling_mDice'),
    ('s/iter', lambda r: _num(r.get('sec_per_iter'), '.3f'), None),
    ('img/s b1/b8', _throughput, None),
)


def shorten(name: str, width: int) -> str:
    """``name`` in at most ``width`` characters, its middle replaced by an ellipsis."""
    if len(name) <= width:
        return name
    head = (width - 1) // 2
    return name[:head] + '…' + name[len(name) - (width - 1 - head):]


#: Between two columns.
GAP = '  '


def _render(names: Sequence[str], cells: List[List[str]], headers: List[str]) -> str:
    """Plain aligned columns (model left, numbers right), a dashed rule under the
    header."""
    table = [['model'] + headers] + [[name] + row for name, row in zip(names, cells)]
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    lines = [GAP.join([row[0].ljust(widths[0])]
                      + [cell.rjust(width) for cell, width in zip(row[1:], widths[1:])])
             for row in table]
    lines.insert(1, GAP.join('-' * width for width in widths))
    return '\n'.join(line.rstrip() for line in lines)


def console_table(rows: Sequence[Row], max_width: int = MAX_WIDTH) -> str:
    """The console table of one dataset's rows (one per model, as
    :meth:`rleseg.benchmark.report.DatasetTable.rows` gives them), at most
    ``max_width`` characters per line; a model that was not evaluated shows its status.
    """
    columns = [c for c in COLUMNS
               if c[2] is None or any(row.get(c[2]) is not None for row in rows)]
    headers = [header for header, _, _ in columns]
    cells, names = [], []
    for row in rows:
        done = row.get('status') == STATUS_DONE
        names.append(row['model'] if done else f"{row['model']} ({row.get('status')})")
        cells.append([cell(row) if done else '—' for _, cell, _ in columns])
    text = _render(names, cells, headers)
    overflow = max(len(line) for line in text.splitlines()) - max_width
    if overflow > 0:
        width = max(MIN_NAME, max(len(name) for name in names) - overflow)
        text = _render([shorten(name, width) for name in names], cells, headers)
    return text
