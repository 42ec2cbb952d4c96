"""Benchmark tables (markdown, CSV, JSON), per-class tables and the final summary.

Every score names its split: ``val`` (the validation split: learning curves and
selection, :mod:`rleseg.benchmark.selection`) or ``test`` (the test split: scored once
after training, only reported). Runs of one model over seeds and folds are
aggregated as mean ± std; a report holds every model recorded in its work directory
(:func:`work_dir_records`), so two benchmark runs on one work directory do not drop
each other's rows.
"""
from __future__ import annotations

import csv
import io
import json
import math
import os
import os.path as osp
import statistics
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

from tabulate import tabulate

from ..evaluation import SCORE_NAMES, class_key
from .records import (RECORD_NAME, STATUS_DONE, atomic_write_json, atomic_write_text,
                      read_json)
from .validation import SPLIT_VAL


def demo_banner(machine: Optional[Dict[str, Any]] = None,
                generated: Optional[bool] = True) -> str:
    """The warning printed above demo-scale numbers: tiny models and a short budget,
    the device they ran on, and whether the data was generated (``None``: some
    tables on generated data, some on real data)."""
    machine = machine or {}
    device = str(machine.get('gpu') or '') if machine.get('device') == 'cuda' else ''
    where = f'on a GPU ({device})' if device else 'on CPU'
    data = {True: 'generated data', False: 'real data',
            None: 'generated and real data (see each table)'}[generated]
    return (f'DEMO SCALE: tiny models, short training budgets, {where}, on {data}. '
            'These numbers compare the paradigms at this scale; they are not the '
            'paper\'s results.')


#: Prefix of the validation split's scores in a flat row (the test split's have none).
VAL_PREFIX = f'{SPLIT_VAL}_'

#: Main-table columns: (header, row key, format). Scores name their split.
COLUMNS: Tuple[Tuple[str, str, str], ...] = (
    ('model', 'model', 's'),
    ('n', 'n', 'd'),
    ('iters', 'iters', 'd'),
    ('batch', 'batch_size', 'd'),
    ('params (M)', 'params_m', '.2f'),
    ('val mDice', 'val_mDice', '.1f'),
    ('test mDice', 'mDice', '.1f'),
    ('test mIoU', 'mIoU', '.1f'),
    ('test mRecall', 'mRecall', '.1f'),
    ('test mPrecision', 'mPrecision', '.1f'),
    ('test mDice (dataset)', 'dataset_mDice', '.1f'),
    ('test mIoU (dataset)', 'dataset_mIoU', '.1f'),
    ('train s/iter', 'sec_per_iter', '.3f'),
    ('img/s b1', 'b1_img_per_s', '.1f'),
    ('img/s b8', 'b8_img_per_s', '.1f'),
    ('peak MiB', 'peak_mem_mib', '.0f'),
)
#: Extra columns shown when some model of the table reports panoptic quality.
PANOPTIC_COLUMNS: Tuple[Tuple[str, str, str], ...] = (
    ('test PQ', 'PQ', '.1f'),
    ('test SQ', 'SQ', '.1f'),
    ('test RQ', 'RQ', '.1f'),
)
#: Extra column shown when some model ran K-fold cross-validation (``--folds``).
FOLD_COLUMNS: Tuple[Tuple[str, str, str], ...] = (('folds', 'num_folds', 'd'), )
#: Extra columns shown when some model of the table predicts video windows: frames per
#: test item (window length N; 1 for image models), generated tokens per frame and
#: inference time per frame at batch 1.
VIDEO_COLUMNS: Tuple[Tuple[str, str, str], ...] = (
    ('N', 'frames_per_item', 'd'),
    ('tokens/frame', 'seq_tokens_per_frame', '.1f'),
    ('GT tokens/frame', 'seq_gt_tokens_per_frame', '.1f'),
    ('ms/frame b1', 'b1_ms_per_img', '.1f'),
)
#: Extra columns shown when some token model of the table was scored on its token
#: ceiling (the ground truth tokenized, decoded and upsampled by its own tokenizer).
CEILING_COLUMNS: Tuple[Tuple[str, str, str], ...] = (
    ('test ceiling mDice', 'ceiling_mDice', '.1f'),
    ('% of ceiling', 'pct_of_ceiling', '.0f'),
)
#: Extra columns shown when some model was also scored with test-time augmentation
#: (``--tta``: class probabilities averaged over flips / rotations, same views for all).
TTA_COLUMNS: Tuple[Tuple[str, str, str], ...] = (
    ('test mDice TTA', 'tta_mDice', '.1f'),
    ('test mIoU TTA', 'tta_mIoU', '.1f'),
    ('img/s b1 TTA', 'tta_b1_img_per_s', '.1f'),
)
#: Extra columns shown when some model's decision rule was chosen on validation
#: (``--calibrate``: the same checkpoint, val and test scored with the chosen bias).
CALIBRATION_COLUMNS: Tuple[Tuple[str, str, str], ...] = (
    ('val mDice cal.', 'cal_val_mDice', '.1f'),
    ('test mDice cal.', 'cal_mDice', '.1f'),
)
#: Extra column shown when some model misses the foreground of a test image holding
#: it: the share of those images where it predicts some foreground pixel right
#: (``PerClassSegMetric``'s ``fg_found_pct``; the rare-foreground criterion).
FOUND_COLUMNS: Tuple[Tuple[str, str, str], ...] = (
    ('test fg found %', 'fg_found_pct', '.0f'),
)
#: Scores shown as ``mean ± std`` when a model ran with several seeds (or folds).
SPREAD_KEYS = ('val_mDice', 'mDice', 'mIoU', 'mRecall', 'mPrecision', 'dataset_mDice',
               'dataset_mIoU', 'PQ', 'SQ', 'RQ', 'ceiling_mDice', 'pct_of_ceiling',
               'tta_mDice', 'tta_mIoU', 'cal_val_mDice', 'cal_mDice', 'fg_found_pct')
#: Extra columns shown when some model of the table predicts tokens.
SEQUENCE_COLUMNS: Tuple[Tuple[str, str, str], ...] = (
    ('tokens/img', 'seq_tokens_per_image', '.1f'),
    ('GT tokens/img', 'seq_gt_tokens_per_image', '.1f'),
    ('trunc. %', 'seq_truncated_pct', '.1f'),
    ('GT trunc. %', 'seq_gt_truncated_pct', '.1f'),
    ('malformed %', 'seq_malformed_pct', '.2f'),
)


#: Training accuracies a row reports, in order of preference (percent): mmseg's pixel
#: accuracy of the decode head, the token model's teacher-forced token accuracy.
TRAIN_ACC_KEYS = ('decode.acc_seg', 'acc_tok')
#: Prefix of a row's training class shares: ``train_pct_<C>`` = % of the labelled
#: training pixels (:func:`rleseg.datasets.balance.class_balance`).
TRAIN_PCT_PREFIX = 'train_pct_'
#: Test pixel recall (%) under which a foreground class counts as not predicted.
COLLAPSE_RECALL = 1.0
#: Points within which a training pixel accuracy equals that of predicting the majority
#: class everywhere on the same batches.
MAJORITY_MARGIN = 1.0
#: The switches against class imbalance, named by the summary when a model collapses
#: (docs/rare_foreground.md, configs/rare_fg).
SHARED_LEVERS = ("class-aware sampling (train_dataloader.sampler=dict(type="
                 "'ForegroundBalancedSampler', ...)), a longer budget chosen on validation "
                 '(--iters with --curve-points and --select), a decision rule chosen on '
                 'validation (--calibrate)')
DENSE_LEVERS = ('class-weighted cross-entropy (class_weight of the decode loss, of '
                "Mask2Former's loss_cls; weights from `python -m "
                'rleseg.datasets.label_stats CONFIG`), a Dice term (DiceLoss in the '
                'decode loss)')
TOKEN_LEVERS = ('weights on the rare classes\' runs (loss.class_weight), the premature-EOS '
                'term (loss.premature_eos_weight), fewer empty crops in the token loss '
                '(data_preprocessor.empty_keep_prob), EOS calibrated at decoding '
                '(test_cfg.eos_bias)')


def is_token_row(row: Dict[str, Any]) -> bool:
    """True for a flat row of a Pix2Seq-style model (it reports sequence statistics
    or its model type says so)."""
    return (row.get('seq_tokens_per_image') is not None
            or 'Pix2Seq' in str(row.get('model_type') or ''))


def flatten(record: Dict[str, Any]) -> Dict[str, Any]:
    """One flat row of every number of a record (CSV / table source)."""
    train = record.get('train') or {}
    evaluation = record.get('eval') or {}
    row: Dict[str, Any] = dict(model=record['name'], seed=record.get('seed'),
                               fold=record.get('fold'),
                               status=record.get('status'), n=1,
                               config=record.get('config'), error=record.get('error'))
    row.update(iters=train.get('iters'), batch_size=train.get('batch_size'),
               sec_per_iter=train.get('sec_per_iter'), train_wall_s=train.get('wall_s'),
               train_peak_mem_mib=train.get('peak_mem_mib'))
    accuracy = train.get('accuracy') or {}
    acc_key = next((key for key in TRAIN_ACC_KEYS if key in accuracy), next(iter(accuracy),
                                                                          None))
    baseline = train.get('accuracy_baseline') or {}
    row.update(train_acc=accuracy.get(acc_key), train_acc_key=acc_key,
               train_majority_pct=baseline.get('pct'),
               train_majority_class=baseline.get('class_index'))
    for name, pct in ((train.get('class_balance') or {}).get('pixel_pct') or {}).items():
        row[f'{TRAIN_PCT_PREFIX}{class_key(name)}'] = pct
    if evaluation:
        params = evaluation.get('params')
        row.update(params=params, params_m=params / 1e6 if params else None,
                   test_wall_s=evaluation.get('test_wall_s'),
                   eval_peak_mem_mib=evaluation.get('peak_mem_mib'),
                   model_type=evaluation.get('model_type'))
        row.update(evaluation.get('latency', {}))
        row.update(evaluation.get('metrics', {}))
        val = evaluation.get('val') or {}  # None: the config has no validation split
        row.update({VAL_PREFIX + key: value
                    for key, value in (val.get('metrics') or {}).items()})
        if (val.get('ceiling') or {}).get('mDice') is not None:
            row[f'{VAL_PREFIX}ceiling_mDice'] = val['ceiling']['mDice']
        ceiling = (evaluation.get('ceiling') or {}).get('mDice')
        if ceiling is not None:
            row['ceiling_mDice'] = ceiling
            row['pct_of_ceiling'] = (100.0 * row['mDice'] / ceiling if ceiling > 0
                                     and row.get('mDice') is not None else None)
        tta = evaluation.get('tta') or {}
        if tta:
            row['tta_views'] = tta.get('views')
            row['tta_error'] = tta.get('error')
            row['tta_b1_img_per_s'] = tta.get('b1_img_per_s')
            row.update({f'tta_{key}': value for key, value in tta['metrics'].items()})
        calibration = evaluation.get('calibration') or {}
        if calibration.get('metrics'):
            row['cal_kind'] = calibration['kind']
            row['cal_bias'] = json.dumps(calibration['bias'])
            row.update({f'cal_{key}': value
                        for key, value in calibration['metrics'].items()})
            row.update({f'cal_{VAL_PREFIX}{key}': value
                        for key, value in calibration['val'].items()})
        if row.get('b1_img_per_s'):
            row['b1_ms_per_img'] = 1000.0 / row['b1_img_per_s']
        row['frames_per_item'] = evaluation.get('dataset', {}).get('frames_per_item', 1)
        if row['frames_per_item'] == 1:
            for per_frame, per_image in (('seq_tokens_per_frame', 'seq_tokens_per_image'),
                                         ('seq_gt_tokens_per_frame',
                                          'seq_gt_tokens_per_image')):
                if row.get(per_frame) is None:
                    row[per_frame] = row.get(per_image)
    peaks = [p for p in (row.get('train_peak_mem_mib'), row.get('eval_peak_mem_mib'))
             if p is not None]
    row['peak_mem_mib'] = max(peaks) if peaks else None
    machine = record.get('machine') or {}
    row['machine'] = ', '.join(str(machine[k]) for k in ('host', 'device', 'gpu', 'cpu')
                               if machine.get(k))
    return row


def _cell(value: Any, fmt: str, std: Optional[float] = None) -> str:
    if value is None:
        return '—'
    if fmt == 's':
        return str(value)
    if fmt == 'd':
        return format(int(round(value)), 'd')
    return format(value, fmt) + (f' ± {format(std, fmt)}' if std is not None else '')


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def aggregate(rows: Sequence[Dict[str, Any]]) -> Dict[str, Any]:
    """One row for the runs (seeds, folds) of a model: every number is the mean over
    the runs, ``<key>_std`` the sample standard deviation (two runs or more), ``n``
    the number of runs, ``seeds`` and ``folds`` theirs and ``num_folds`` the number
    of distinct folds (None without folds); other fields come from the first run. A
    number some runs lack (e.g. a validation score of runs without a validation
    split) is None: a mean over part of the runs would not be the model's.
    """
    out = dict(rows[0])
    keys = [k for k in dict.fromkeys(k for row in rows for k in row)
            if k not in ('n', 'seed', 'fold')]
    for key in keys:
        values = [row[key] for row in rows if _is_number(row.get(key))]
        if not values:
            continue
        if len(values) != len(rows):
            out[key] = None
            continue
        out[key] = statistics.fmean(values)
        if len(values) > 1:
            out[f'{key}_std'] = statistics.stdev(values)
    folds = sorted({row['fold'] for row in rows if row.get('fold') is not None})
    out.update(n=len(rows), seeds=[row.get('seed') for row in rows],
               folds=[row.get('fold') for row in rows], num_folds=len(folds) or None)
    return out


@dataclass
class DatasetTable:
    """The models benchmarked on one dataset."""
    label: str
    records: List[Dict[str, Any]] = field(default_factory=list)

    @property
    def identity(self) -> Optional[Dict[str, Any]]:
        """The test split's identity of the first evaluated model."""
        for record in self.records:
            if record.get('status') == STATUS_DONE:
                return record['eval']['dataset']
        return None

    @property
    def val_identity(self) -> Optional[Dict[str, Any]]:
        """The validation split's identity of the first evaluated model that has one
        (with folds: its fold's)."""
        for record in self.records:
            if record.get('status') == STATUS_DONE and (record['eval'].get('val')
                                                        or {}).get('dataset'):
                return record['eval']['val']['dataset']
        return None

    def split_mismatch(self) -> List[str]:
        """Names of evaluated models whose test items differ from the first one's, or
        whose validation items differ from those of the first model validated on the
        same fold (``<name> (val)``)."""
        identity = self.identity
        names = [r['name'] for r in self.records if r.get('status') == STATUS_DONE
                 and r['eval']['dataset']['items_sha1'] != identity['items_sha1']]
        val_sha1: Dict[Any, str] = {}
        for record in self.records:
            val = (record.get('eval') or {}).get('val') or {}
            if record.get('status') != STATUS_DONE or not val.get('dataset'):
                continue
            sha1 = val['dataset']['items_sha1']
            if val_sha1.setdefault(record.get('fold'), sha1) != sha1:
                names.append(f"{record['name']} (val)")
        return list(dict.fromkeys(names))

    @property
    def generated(self) -> bool:
        """True when the table's test data is rleseg's generated demo data (records
        older than the marker count as generated when their root ends in _demo)."""
        identity = self.identity or {}
        if 'generated' in identity:
            return bool(identity['generated'])
        return str(identity.get('label', '')).endswith('_demo')

    @property
    def is_video(self) -> bool:
        """True when some evaluated model of the table predicts windows of frames."""
        return any(row.get('frames_per_item', 1) > 1 for row in self.rows()
                   if row['status'] == STATUS_DONE)

    def columns(self) -> Tuple[Tuple[str, str, str], ...]:
        """:data:`COLUMNS`, then the panoptic columns when some model reports PQ, the
        ceiling / TTA / calibration columns when some model has them, the share of
        test images whose foreground a model finds when some model misses one, the video columns in a table
        with a video model, and each sequence column some model has a value for."""
        rows = self.rows()
        base = COLUMNS if any(row.get('n', 1) > 1 for row in rows) else tuple(
            column for column in COLUMNS if column[1] != 'n')
        if any(row.get('num_folds') for row in rows):
            base = base[:2] + FOLD_COLUMNS + base[2:]
        extra = PANOPTIC_COLUMNS if any(row.get('PQ') is not None for row in rows) else ()
        if any(row.get('ceiling_mDice') is not None for row in rows):
            extra += CEILING_COLUMNS
        if any(row.get('tta_mDice') is not None for row in rows):
            extra += TTA_COLUMNS
        if any(row.get('cal_mDice') is not None for row in rows):
            extra += CALIBRATION_COLUMNS
        if any(row.get('fg_found_pct') is not None and row['fg_found_pct'] < 100.0
               for row in rows):
            extra += FOUND_COLUMNS
        if self.is_video:
            extra += VIDEO_COLUMNS
        return base + extra + tuple(
            column for column in SEQUENCE_COLUMNS
            if column not in extra and any(row.get(column[1]) is not None for row in rows))

    def run_rows(self) -> List[Dict[str, Any]]:
        """One flat row per run (a model with several seeds or folds has several)."""
        return [flatten(r) for r in self.records]

    def rows(self) -> List[Dict[str, Any]]:
        """One row per model, in order: the mean (± std) over its finished runs, seeds
        and folds (:func:`aggregate`), or its first run's failure when none
        finished."""
        by_model: Dict[str, List[Dict[str, Any]]] = {}
        for row in self.run_rows():
            by_model.setdefault(row['model'], []).append(row)
        rows = []
        for runs in by_model.values():
            done = [row for row in runs if row['status'] == STATUS_DONE]
            rows.append(aggregate(done) if done else runs[0])
        return rows

    @property
    def seeded(self) -> bool:
        """True when some model of the table ran several times (seeds, folds)."""
        return any(row.get('n', 1) > 1 for row in self.rows())

    def markdown(self) -> str:
        """The main table (GitHub markdown); failed / missing models say why."""
        columns = self.columns()
        table = []
        for row in self.rows():
            if row['status'] == STATUS_DONE:
                table.append([_cell(row.get(key), fmt, row.get(f'{key}_std')
                                    if key in SPREAD_KEYS else None)
                              for _, key, fmt in columns])
            else:
                table.append([f"{row['model']} ({row['status']})"]
                             + ['—'] * (len(columns) - 1))
        return tabulate(table, headers=[h for h, _, _ in columns], tablefmt='github',
                        disable_numparse=True,
                        colalign=['left'] + ['right'] * (len(columns) - 1))

    def console(self) -> str:
        """The table for the terminal: the compared columns, at most 120 characters
        wide (:mod:`rleseg.benchmark.console`; the files keep :meth:`markdown`)."""
        from .console import console_table
        return console_table(self.rows())

    def notes(self) -> List[str]:
        """One line per model that is not in the table with numbers, saying why."""
        return [f"{r['name']}" + (f" fold {r['fold']}" if r.get('fold') is not None
                                  else '')
                + (f" seed {r['seed']}" if r.get('seed') is not None else '')
                + f": {r.get('status')} ({r.get('error', '')})"
                for r in self.records if r.get('status') != STATUS_DONE]

    def per_class_markdown(self) -> str:
        """Per-class scores on the test split of every evaluated model (per image and
        dataset Dice, and PQ / SQ / RQ when some model reports panoptic quality)."""
        identity = self.identity
        if identity is None:
            return ''
        rows = [row for row in self.rows() if row['status'] == STATUS_DONE]
        panoptic = [name for _, name, _ in PANOPTIC_COLUMNS
                    if any(row.get(name) is not None for row in rows)]
        headers = ['model', 'class'] + list(SCORE_NAMES) + [
            'Dice (dataset)', 'IoU (dataset)'] + panoptic
        table = []
        for row in rows:
            for name in identity['classes']:
                key = class_key(name)
                keys = [f'{s}_{key}' for s in SCORE_NAMES] + [
                    f'dataset_Dice_{key}', f'dataset_IoU_{key}'] + [
                    f'{s}_{key}' for s in panoptic]
                table.append([row['model'], name] + [_cell(row.get(k), '.1f')
                                                     for k in keys])
        return tabulate(table, headers=headers, tablefmt='github',
                        disable_numparse=True)

    def legend(self) -> str:
        """What the table's columns mean (video and panoptic parts when present)."""
        count = (self.identity or {}).get('num_items', '?')
        text = (f'Scores in %. test = the test split ({count} images), scored once '
                'after training and only reported; ' + self._val_legend()
                + ' m* = mean over foreground classes of the per-class score averaged '
                'over the images where the class appears (the paper\'s convention); '
                '"(dataset)" = from counts accumulated over the split; img/s = test '
                'images predicted per second.')
        if any(is_token_row(row) for row in self.rows()):
            text += (' Token models: tokens/img = generated tokens per test item (GT: '
                     'the ground truth\'s, at the model\'s mask size); trunc. % = '
                     'generations that hit the length limit L; GT trunc. % = ground '
                     'truths longer than L; malformed % = generated tokens the decoder '
                     'dropped.')
        if self.is_video:
            text += (' Video models predict windows of N frames; overlapping window '
                     'predictions are merged per frame and every test frame is scored '
                     'once, by the same metric as the image models (N = 1); img/s and '
                     'ms/frame count frames; tokens/img of a video model is per window.')
        if self.seeded:
            text += (' n = runs (seeds and folds) of the model; scores are mean ± '
                     'sample standard deviation over them, the other columns means; the '
                     'CSV file *_runs.csv has every run.')
        if any(row.get('ceiling_mDice') is not None for row in self.rows()):
            text += (' test ceiling mDice = the test ground truth tokenized by the '
                     'model\'s own tokenizer, decoded and upsampled, scored by the same metric at the '
                     'same resolution (what a perfect token predictor would reach); % of '
                     'ceiling = mDice / ceiling mDice.')
        views = sorted({str(row['tta_views']) for row in self.rows()
                        if row.get('tta_views') is not None})
        if views:
            text += (' test mDice / mIoU TTA = the same checkpoints and metric with '
                     f'test-time augmentation ({", ".join(views)}: class probabilities '
                     'averaged over the views of the input, mapped back; the same views '
                     'for every model); img/s b1 TTA = its throughput at batch 1.')
            text += ''.join(f" No TTA for {row['model']}: {row['tta_error']}."
                            for row in self.rows() if row.get('tta_error'))
        chosen = [row for row in self.run_rows() if row.get('cal_bias') is not None]
        if chosen:
            text += (' val / test mDice cal. = the same checkpoints and metric with the '
                     'decision rule chosen on the validation split only (--calibrate): '
                     'a per-class log offset added to the class scores before the '
                     'argmax (test_cfg.logit_bias) for dense models, the EOS logit '
                     'offset (test_cfg.eos_bias) for token models; chosen: '
                     + '; '.join(f"{row['model']}"
                                 + (f" seed {row['seed']}" if row.get('seed') is not None
                                    else '') + f" {row['cal_kind']} {row['cal_bias']}"
                                 for row in chosen) + '.')
        if any(row.get('PQ') is not None for row in self.rows()):
            text += (' test PQ / SQ / RQ: panoptic quality, segmentation and recognition '
                     'quality (IoU > 0.5 matching), mean over foreground classes; models '
                     'without instance output get the connected components of their '
                     'semantic map as instances.')
        return text

    def _val_legend(self) -> str:
        """What the val column means: the validation split (its size; per fold with
        folds), or that the configs have none."""
        identity = self.val_identity
        if identity is None:
            return ('val = the validation split: none in these configs (no '
                    'val_dataloader), shown as —.')
        if any(row.get('num_folds') for row in self.rows()):
            return ('val = the held-out fold of K-fold cross-validation over the '
                    'training items (each run validated on its own fold; mean ± std over '
                    'folds and seeds), what learning curves and selection use.')
        return (f"val = the validation split ({identity.get('num_items', '?')} images), "
                'what learning curves and selection use.')

    def csv_text(self, per_class: bool = False, runs: bool = False) -> str:
        """Every number of every model as CSV (wide: one row per model, the mean over
        its runs; ``runs``: one row per run)."""
        rows = self.run_rows() if runs else self.rows()
        if per_class:
            return self._per_class_csv(rows)
        fields: List[str] = []
        for row in rows:
            fields.extend(k for k in row
                          if k not in fields and k not in ('seeds', 'folds'))
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=fields, extrasaction='ignore')
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


#: Depth of a run's folder below the work directory: ``<model>[/fold_<i>][/seed_<s>]``.
RUN_DIR_DEPTH = 3


def run_key(record: Dict[str, Any]) -> Tuple[Any, Any, Any]:
    """``(name, fold, seed)``: which run of the grid a record is."""
    return record.get('name'), record.get('fold'), record.get('seed')


def work_dir_records(records: Sequence[Dict[str, Any]],
                     work_dir: str) -> List[Dict[str, Any]]:
    """``records`` (this benchmark run's, in order), then the record of every other
    run found in ``work_dir`` (``<model>[/fold_<i>][/seed_<s>]/benchmark_record.json``,
    written by another benchmark run on the same work directory), in path order; a
    run of ``records`` wins over its own record on disk. Two benchmark runs with
    different models on one work directory therefore both keep their rows."""
    merged = list(records)
    seen = {run_key(record) for record in records}
    root_depth = osp.normpath(work_dir).count(os.sep)
    for folder, subfolders, files in os.walk(work_dir):
        depth = osp.normpath(folder).count(os.sep) - root_depth
        subfolders[:] = sorted(d for d in subfolders if not d.startswith('.')) \
            if depth < RUN_DIR_DEPTH else []
        record = read_json(osp.join(folder, RECORD_NAME)) if (
            depth > 0 and RECORD_NAME in files) else None
        if record and record.get('name') and run_key(record) not in seen:
            seen.add(run_key(record))
            merged.append(record)
    return merged


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


def _gap_phrase(score: str, row: Dict[str, Any], baselines: List[Dict[str, Any]],
                explain: bool = True) -> str:
    """`` vs best baseline NAME v (g points behind)`` for ``row[score]``, or ''.

    With several seeds on both sides, the phrase says whether the gap is larger than
    the seed spread: larger than twice the standard error of the difference of the
    means, sqrt(s1²/n1 + s2²/n2). With ``explain``, a gap over 10 points says where to
    look for the reason.
    """
    if not baselines:
        return ''
    best = baselines[0]
    gap = best[score] - row[score]
    spread = _spread_phrase(score, row, best, abs(gap))
    if abs(gap) < 0.05:  # equal at the table's one decimal
        return f" (level with best baseline {best['model']} {best[score]:.1f}{spread})"
    if gap < 0:
        return f' (ahead of every baseline by {-gap:.1f}{spread})'
    phrase = (f" vs best baseline {best['model']} {best[score]:.1f} ({gap:.1f} points "
              f'behind{spread})')
    if gap > 10 and explain:
        phrase += ('; far behind at this scale: see its ceiling mDice, its learning '
                   'curve and the p2s-ablation suite for where the gap comes from')
    return phrase


def _spread_phrase(score: str, row: Dict[str, Any], best: Dict[str, Any],
                   gap: float) -> str:
    """'', or ``; over n seeds ... larger than / within the seed spread``."""
    n1, n2 = row.get('n', 1), best.get('n', 1)
    s1, s2 = row.get(f'{score}_std'), best.get(f'{score}_std')
    if n1 < 2 or n2 < 2 or s1 is None or s2 is None:
        return ''
    error = math.sqrt(s1 ** 2 / n1 + s2 ** 2 / n2)
    verdict = ('larger than the seed spread' if gap > 2 * error
               else 'within the seed spread: not a clear difference')
    return (f'; std {s1:.1f} over {n1} seeds vs {s2:.1f} over {n2}: {verdict} '
            f'(2 x standard error {2 * error:.1f})')


def _ranked(rows: List[Dict[str, Any]], score: str) -> List[Dict[str, Any]]:
    return sorted((r for r in rows if r.get(score) is not None), key=lambda r: -r[score])


def _class_values(row: Dict[str, Any], prefix: str) -> Dict[str, float]:
    """``{class key: value}`` of a row's ``<prefix><C>`` keys, in the row's order."""
    return {key[len(prefix):]: value for key, value in row.items()
            if key.startswith(prefix) and not key.endswith('_std') and _is_number(value)}


def foreground_recalls(row: Dict[str, Any]) -> Dict[str, float]:
    """``{class key: test pixel recall %}`` of the foreground classes of a row
    (``dataset_Recall_<C>``: pixels of the whole test split); the background is the
    first class of its training labels, else the first class scored."""
    recalls = _class_values(row, 'dataset_Recall_')
    classes = list(_class_values(row, TRAIN_PCT_PREFIX)) or list(recalls)
    return {name: value for name, value in recalls.items() if classes and name != classes[0]}


def _majority_phrase(row: Dict[str, Any], classes: List[str]) -> str:
    """How a pixel accuracy compares with predicting the majority class everywhere on
    the same training batches (:data:`MAJORITY_MARGIN`), or ''."""
    base = row.get('train_majority_pct')
    if base is None or row['train_acc_key'] != TRAIN_ACC_KEYS[0]:
        return ''
    index = row.get('train_majority_class')
    name = (classes[int(index)] if index is not None and int(index) < len(classes)
            else f'class {index}')
    text = f' vs {base:.1f}% for predicting {name} everywhere on the same batches'
    if abs(row['train_acc'] - base) <= MAJORITY_MARGIN:
        return text + ': it learnt the majority class only'
    if row['train_acc'] > base:
        return text + ': it finds some foreground in training, not on test'
    return text + ': it has not fit its training data either (budget too)'


def collapse_line(label: str, row: Dict[str, Any]) -> Optional[str]:
    """Why a model predicts (almost) only the majority class, from its run's records,
    or None when every foreground class is predicted.

    A foreground class is missed when its test pixel recall is under
    :data:`COLLAPSE_RECALL` (records without recall: a test mDice under 1). The line
    gives the missed classes' recall, the training labels' class shares, the last
    training pixel accuracy against that of predicting the majority class everywhere
    on the same batches (equal: the model learnt the majority class only), for a token
    model the share of generations that end before their first run, and the levers to
    try.
    """
    recalls = foreground_recalls(row)
    missed = {name: value for name, value in recalls.items() if value < COLLAPSE_RECALL}
    if not missed and (recalls or row.get('mDice') is None or row['mDice'] >= 1.0):
        return None
    shares = _class_values(row, TRAIN_PCT_PREFIX)
    majority = max(shares, key=shares.get) if shares else 'background'
    recall_text = ', '.join(f'{name} {value:.1f}%' for name, value in missed.items())
    if recalls and len(missed) < len(recalls):
        head = f"{label} {row['model']} misses {', '.join(missed)} (test recall {recall_text})"
    else:
        head = f"{label} {row['model']} predicts (almost) only {majority}" + (
            f' (test recall {recall_text}, pixels of the split)' if recall_text else '')
    parts = [head + f" after {_cell(row.get('iters'), 'd')} iterations"]
    if shares:
        parts.append('its training labels are ' + ', '.join(
            f'{name} {value:.1f}%' for name, value in shares.items()) + ' of the pixels')
    if row.get('train_acc') is None:
        parts.append('no training accuracy logged')
    else:
        parts.append(f"training accuracy {row['train_acc']:.1f}% ({row['train_acc_key']}, "
                     'last iterations)' + _majority_phrase(row, list(shares)))
    if row.get('fg_found_pct') is not None:
        parts.append(f"it finds foreground on {row['fg_found_pct']:.0f}% of the test images "
                     'holding some')
    if row.get('seq_no_run_pct') is not None:
        parts.append(f"{row['seq_no_run_pct']:.0f}% of its generations end before their "
                     'first run (test images whose ground truth holds one)')
    if row.get('cal_mDice') is not None:
        parts.append(f"with its decision rule chosen on validation ({row['cal_kind']}, "
                     f"--calibrate) val mDice {row['cal_val_mDice']:.1f}, test mDice "
                     f"{row['cal_mDice']:.1f}")
    levers = TOKEN_LEVERS if is_token_row(row) else DENSE_LEVERS
    parts.append(f'levers: {SHARED_LEVERS}, {levers} (docs/rare_foreground.md, '
                 'configs/rare_fg)')
    return '; '.join(parts) + '.'


def tables_generated(tables: Sequence[DatasetTable]) -> Optional[bool]:
    """True / False when every table's data is generated / real, None when mixed."""
    flags = {table.generated for table in tables}
    return flags.pop() if len(flags) == 1 else None


def summary_lines(tables: Sequence[DatasetTable], demo: bool,
                  machine: Optional[Dict[str, Any]] = None) -> List[str]:
    """A short honest summary, every score naming its split: the best model on the
    validation split (with its test score), the token model against the best baseline
    on test (mDice, with test-time augmentation and PQ where measured; with several
    seeds, against their spread), its ceiling and sequence statistics, and anything
    that did not run."""
    lines = [demo_banner(machine, tables_generated(tables))] if demo else []
    for table in tables:
        label = f'[{table.label}]'
        done = [row for row in table.rows() if row['status'] == STATUS_DONE]
        ranked = _ranked(done, 'mDice')
        by_val = _ranked(done, f'{VAL_PREFIX}mDice')
        if by_val:
            best = by_val[0]
            lines.append(f"{label} best on the validation split: {best['model']} (val "
                         f"mDice {best[f'{VAL_PREFIX}mDice']:.1f}; test mDice "
                         f"{_cell(best.get('mDice'), '.1f')}).")
        elif ranked:
            lines.append(f"{label} no validation split: best test mDice "
                         f"{ranked[0]['model']} ({ranked[0]['mDice']:.1f}), a ranking "
                         'on the reported split, not a selection.')
        by_pq = _ranked(done, 'PQ')
        if by_pq:
            lines.append(f"{label} best test PQ: {by_pq[0]['model']} "
                         f"({by_pq[0]['PQ']:.1f}).")
        lines += [line for line in (collapse_line(label, row) for row in ranked) if line]
        baselines = [r for r in ranked if not is_token_row(r)]
        pq_baselines = [r for r in by_pq if not is_token_row(r)]
        tta_baselines = [r for r in _ranked(done, 'tta_mDice') if not is_token_row(r)]
        for row in (r for r in ranked if is_token_row(r)):
            line = (f"{label} token model {row['model']}: test mDice {row['mDice']:.1f}"
                     + _gap_phrase('mDice', row, baselines))
            if row.get('ceiling_mDice') is not None:
                line += (f"; test token ceiling {row['ceiling_mDice']:.1f} mDice, the "
                         f"model reaches {row['pct_of_ceiling']:.0f}% of it")
            if row.get('tta_mDice') is not None:
                line += (f"; with test-time augmentation ({row['tta_views']}) mDice "
                         f"{row['tta_mDice']:.1f}"
                         + _gap_phrase('tta_mDice', row, tta_baselines, explain=False))
            if row.get('PQ') is not None:
                line += f"; test PQ {row['PQ']:.1f}" + _gap_phrase(
                    'PQ', row, pq_baselines, explain=False)
            if row.get('seq_tokens_per_image') is not None:
                per = ('window' if row.get('frames_per_item', 1) > 1 else 'image')
                line += f"; {row['seq_tokens_per_image']:.1f} tokens/{per} generated"
                if row.get('seq_gt_tokens_per_image') is not None:
                    line += f" vs {row['seq_gt_tokens_per_image']:.1f} in the ground truth"
                if per == 'window' and row.get('seq_tokens_per_frame') is not None:
                    line += f" ({row['seq_tokens_per_frame']:.1f} per frame)"
                line += (f", {row.get('seq_truncated_pct', 0):.0f}% truncated, "
                         f"{row.get('seq_malformed_pct', 0):.1f}% malformed tokens")
                if row.get('seq_gt_truncated_pct'):
                    line += (f", {row['seq_gt_truncated_pct']:.0f}% of the ground truths "
                             'longer than L')
            lines.append(line + '.')
        lines += [f'{label} not evaluated: {note}.' for note in table.notes()]
        mismatch = table.split_mismatch() if done else []
        if mismatch:
            lines.append(f"{label} WARNING: {', '.join(mismatch)} were scored "
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
        notes = (f'> {demo_banner(machine, table.generated)}\n\n' if demo else '') + (
            f'{table.legend()} Machine: {machine.get("host")} ({machine.get("device")}'
            f'{", " + str(machine["gpu"]) if machine.get("gpu") else ""}, '
            f'{machine.get("cpu")}). {stamp}.\n\n')
        paths = {
            f'{base}.md': heading + notes + table.markdown() + '\n' + ''.join(
                f'\n- not evaluated: {note}' for note in table.notes()) + '\n',
            f'{base}_per_class.md': heading + 'Scores in % on the test split.\n\n'
            + table.per_class_markdown() + '\n',
            f'{base}.csv': table.csv_text(),
            f'{base}_per_class.csv': table.csv_text(per_class=True),
        }
        if table.seeded:
            paths[f'{base}_runs.csv'] = table.csv_text(runs=True)
        for path, text in paths.items():
            atomic_write_text(path, text)
        atomic_write_json(f'{base}.json', dict(
            title=title, dataset=table.label, demo=demo, generated=stamp,
            settings=settings, machine=machine, test_split=table.identity,
            val_split=table.val_identity, models=table.records))
        written[table.label] = list(paths) + [f'{base}.json']
    return written
