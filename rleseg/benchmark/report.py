"""Benchmark tables (markdown, CSV, JSON), per-class tables and the final summary."""
from __future__ import annotations

import csv
import io
import os.path as osp
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

from tabulate import tabulate

from ..evaluation import SCORE_NAMES, class_key
from .records import STATUS_DONE, atomic_write_json, atomic_write_text

DEMO_BANNER = ('DEMO SCALE: tiny models trained for a few iterations on CPU on generated '
               'data. These numbers show that the pipeline runs end to end; they are '
               'not the paper\'s results and say little about the methods.')

#: Main-table columns: (header, row key, format).
COLUMNS: Tuple[Tuple[str, str, str], ...] = (
    ('model', 'model', 's'),
    ('iters', 'iters', 'd'),
    ('batch', 'batch_size', 'd'),
    ('params (M)', 'params_m', '.2f'),
    ('mDice', 'mDice', '.1f'),
    ('mIoU', 'mIoU', '.1f'),
    ('mRecall', 'mRecall', '.1f'),
    ('mPrecision', 'mPrecision', '.1f'),
    ('mDice (dataset)', 'dataset_mDice', '.1f'),
    ('mIoU (dataset)', 'dataset_mIoU', '.1f'),
    ('train s/iter', 'sec_per_iter', '.3f'),
    ('img/s b1', 'b1_img_per_s', '.1f'),
    ('img/s b8', 'b8_img_per_s', '.1f'),
    ('peak MiB', 'peak_mem_mib', '.0f'),
)
#: Extra columns shown when some model of the table predicts tokens.
SEQUENCE_COLUMNS: Tuple[Tuple[str, str, str], ...] = (
    ('tokens/img', 'seq_tokens_per_image', '.1f'),
    ('GT tokens/img', 'seq_gt_tokens_per_image', '.1f'),
    ('trunc. %', 'seq_truncated_pct', '.1f'),
    ('malformed %', 'seq_malformed_pct', '.2f'),
)


def is_token_row(row: Dict[str, Any]) -> bool:
    """True for a flat row of a Pix2Seq-style model (it reports sequence statistics
    or its model type says so)."""
    return (row.get('seq_tokens_per_image') is not None
            or 'Pix2Seq' in str(row.get('model_type') or ''))


def flatten(record: Dict[str, Any]) -> Dict[str, Any]:
    """One flat row of every number of a record (CSV / table source)."""
    train = record.get('train') or {}
    evaluation = record.get('eval') or {}
    row: Dict[str, Any] = dict(model=record['name'], status=record.get('status'),
                               config=record.get('config'), error=record.get('error'))
    row.update(iters=train.get('iters'), batch_size=train.get('batch_size'),
               sec_per_iter=train.get('sec_per_iter'), train_wall_s=train.get('wall_s'),
               train_peak_mem_mib=train.get('peak_mem_mib'))
    if evaluation:
        params = evaluation.get('params')
        row.update(params=params, params_m=params / 1e6 if params else None,
                   test_wall_s=evaluation.get('test_wall_s'),
                   eval_peak_mem_mib=evaluation.get('peak_mem_mib'),
                   model_type=evaluation.get('model_type'))
        row.update(evaluation.get('latency', {}))
        row.update(evaluation.get('metrics', {}))
    peaks = [p for p in (row.get('train_peak_mem_mib'), row.get('eval_peak_mem_mib'))
             if p is not None]
    row['peak_mem_mib'] = max(peaks) if peaks else None
    machine = record.get('machine') or {}
    row['machine'] = ', '.join(str(machine[k]) for k in ('host', 'device', 'gpu', 'cpu')
                               if machine.get(k))
    return row


def _cell(value: Any, fmt: str) -> str:
    if value is None:
        return '—'
    if fmt == 's':
        return str(value)
    return format(value, fmt)


@dataclass
class DatasetTable:
    """The models benchmarked on one dataset."""
    label: str
    records: List[Dict[str, Any]] = field(default_factory=list)

    @property
    def identity(self) -> Optional[Dict[str, Any]]:
        """The dataset identity of the first evaluated model."""
        for record in self.records:
            if record.get('status') == STATUS_DONE:
                return record['eval']['dataset']
        return None

    def split_mismatch(self) -> List[str]:
        """Names of evaluated models whose test items differ from the first one's."""
        identity = self.identity
        return [r['name'] for r in self.records if r.get('status') == STATUS_DONE
                and r['eval']['dataset']['items_sha1'] != identity['items_sha1']]

    def columns(self) -> Tuple[Tuple[str, str, str], ...]:
        """:data:`COLUMNS`, plus each sequence column some model has a value for."""
        rows = self.rows()
        return COLUMNS + tuple(column for column in SEQUENCE_COLUMNS
                               if any(row.get(column[1]) is not None for row in rows))

    def rows(self) -> List[Dict[str, Any]]:
        return [flatten(r) for r in self.records]

    def markdown(self) -> str:
        """The main table (GitHub markdown); failed / missing models say why."""
        columns = self.columns()
        table = []
        for row in self.rows():
            if row['status'] == STATUS_DONE:
                table.append([_cell(row.get(key), fmt) for _, key, fmt in columns])
            else:
                table.append([f"{row['model']} ({row['status']})"]
                             + ['—'] * (len(columns) - 1))
        return tabulate(table, headers=[h for h, _, _ in columns], tablefmt='github',
                        disable_numparse=True,
                        colalign=['left'] + ['right'] * (len(columns) - 1))

    def notes(self) -> List[str]:
        """One line per model that is not in the table with numbers, saying why."""
        return [f"{r['name']}: {r.get('status')} ({r.get('error', '')})"
                for r in self.records if r.get('status') != STATUS_DONE]

    def per_class_markdown(self) -> str:
        """Per-class scores of every evaluated model (per image and dataset Dice)."""
        identity = self.identity
        if identity is None:
            return ''
        headers = ['model', 'class'] + list(SCORE_NAMES) + ['Dice (dataset)',
                                                            'IoU (dataset)']
        table = []
        for row in self.rows():
            if row['status'] != STATUS_DONE:
                continue
            for name in identity['classes']:
                key = class_key(name)
                keys = [f'{s}_{key}' for s in SCORE_NAMES] + [
                    f'dataset_Dice_{key}', f'dataset_IoU_{key}']
                table.append([row['model'], name] + [_cell(row.get(k), '.1f')
                                                     for k in keys])
        return tabulate(table, headers=headers, tablefmt='github',
                        disable_numparse=True)

    def csv_text(self, per_class: bool = False) -> str:
        """Every number of every model as CSV (wide: one row per model)."""
        rows = self.rows()
        if per_class:
            return self._per_class_csv(rows)
        fields: List[str] = []
        for row in rows:
            fields.extend(k for k in row if k not in fields)
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
        return buffer.getvalue()

    def _per_class_csv(self, rows: List[Dict[str, Any]]) -> str:
        identity = self.identity or {'classes': []}
        scores = [f'{p}{s}' for p in ('', 'dataset_') for s in SCORE_NAMES]
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(['model', 'class'] + scores)
        for row in rows:
            if row['status'] != STATUS_DONE:
                continue
            for name in identity['classes']:
                writer.writerow([row['model'], name] + [
                    row.get(f'{s}_{class_key(name)}', '') for s in scores])
        return buffer.getvalue()


def group_by_dataset(records: Sequence[Dict[str, Any]]) -> List[DatasetTable]:
    """One table per dataset label, rows in the given order; models that were not
    evaluated join the table whose dataset name appears in their name (else the
    first)."""
    labels = [r['eval']['dataset']['label'] for r in records
              if r.get('status') == STATUS_DONE]
    tables = {label: DatasetTable(label) for label in labels or ['not evaluated']}
    for record in records:
        if record.get('status') == STATUS_DONE:
            tables[record['eval']['dataset']['label']].records.append(record)
            continue
        parts = record['name'].split('_')
        target = next((table for label, table in tables.items()
                       if label.split('_')[0] in parts), next(iter(tables.values())))
        target.records.append(record)
    return list(tables.values())


def summary_lines(tables: Sequence[DatasetTable], demo: bool) -> List[str]:
    """A short honest summary: best model, the token model against the best baseline,
    its sequence statistics, and anything that did not run."""
    lines = [DEMO_BANNER] if demo else []
    for table in tables:
        done = [flatten(r) for r in table.records if r.get('status') == STATUS_DONE]
        ranked = sorted((r for r in done if r.get('mDice') is not None),
                        key=lambda r: -r['mDice'])
        if ranked:
            best = ranked[0]
            lines.append(f"[{table.label}] best mDice: {best['model']} "
                         f"({best['mDice']:.1f}).")
        baselines = [r for r in ranked if not is_token_row(r)]
        for row in ranked:
            if row['mDice'] < 1.0:
                lines.append(f"[{table.label}] {row['model']} predicts (almost) only "
                             f"background after {row.get('iters')} iterations: "
                             'undertrained at this scale.')
        for row in (r for r in ranked if is_token_row(r)):
            line = f"[{table.label}] token model {row['model']}: mDice {row['mDice']:.1f}"
            if baselines:
                gap = baselines[0]['mDice'] - row['mDice']
                line += (f" vs best baseline {baselines[0]['model']} "
                         f"{baselines[0]['mDice']:.1f} ({gap:.1f} points behind)"
                         if gap > 0 else f" (ahead of every baseline by {-gap:.1f})")
                if gap > 10:
                    line += ('; far behind at this scale: trained from scratch, the '
                             'token model needs far more iterations than the CNNs')
            if row.get('seq_tokens_per_image') is not None:
                line += f"; {row['seq_tokens_per_image']:.1f} tokens/image generated"
                if row.get('seq_gt_tokens_per_image') is not None:
                    line += f" vs {row['seq_gt_tokens_per_image']:.1f} in the ground truth"
                line += (f", {row.get('seq_truncated_pct', 0):.0f}% truncated, "
                         f"{row.get('seq_malformed_pct', 0):.1f}% malformed tokens")
            lines.append(line + '.')
        lines += [f'[{table.label}] not evaluated: {note}.' for note in table.notes()]
        mismatch = table.split_mismatch() if done else []
        if mismatch:
            lines.append(f"[{table.label}] WARNING: {', '.join(mismatch)} were tested "
                         'on different items than the first model.')
    return lines


def write_reports(tables: Sequence[DatasetTable], work_dir: str, *, title: str,
                  demo: bool, settings: Dict[str, Any],
                  machine: Dict[str, Any]) -> Dict[str, List[str]]:
    """Write markdown, CSV and JSON files per dataset (atomically).

    Returns:
        ``{dataset label: [written paths]}``.
    """
    written: Dict[str, List[str]] = {}
    stamp = time.strftime('%Y-%m-%d %H:%M:%S %Z')
    for table in tables:
        base = osp.join(work_dir, f'benchmark_{table.label.replace(" ", "_")}')
        heading = f'# Benchmark {title}: {table.label}\n\n'
        notes = (f'> {DEMO_BANNER}\n\n' if demo else '') + (
            f'Scores in % on the test split ({(table.identity or {}).get("num_items", "?")}'
            ' images); m* = mean over foreground classes of the per-class score averaged '
            'over the images where the class appears (the paper\'s convention); '
            '"(dataset)" = from counts accumulated over the split. '
            f'Machine: {machine.get("host")} ({machine.get("device")}'
            f'{", " + str(machine["gpu"]) if machine.get("gpu") else ""}, '
            f'{machine.get("cpu")}). {stamp}.\n\n')
        paths = {
            f'{base}.md': heading + notes + table.markdown() + '\n' + ''.join(
                f'\n- not evaluated: {note}' for note in table.notes()) + '\n',
            f'{base}_per_class.md': heading + table.per_class_markdown() + '\n',
            f'{base}.csv': table.csv_text(),
            f'{base}_per_class.csv': table.csv_text(per_class=True),
        }
        for path, text in paths.items():
            atomic_write_text(path, text)
        atomic_write_json(f'{base}.json', dict(
            title=title, dataset=table.label, demo=demo, generated=stamp,
            settings=settings, machine=machine, test_split=table.identity,
            models=table.records))
        written[table.label] = list(paths) + [f'{base}.json']
    return written
