"""Benchmark figures: metric bars, learning curves and qualitative overlays.

Figures are drawn with matplotlib's object API (``Figure`` + Agg canvas), so the
global pyplot backend of the caller is left alone.
"""
from __future__ import annotations

import io
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from .curves import point_split
from .records import STATUS_DONE, atomic_write_bytes
from .report import DatasetTable

BAR_METRICS = ('mRecall', 'mPrecision', 'mDice', 'mIoU')


def _save(figure: Figure, path: str) -> None:
    buffer = io.BytesIO()
    figure.savefig(buffer, format='png', dpi=110, bbox_inches='tight')
    atomic_write_bytes(path, buffer.getvalue())


def metric_bars(table: DatasetTable, path: str, demo: bool = False) -> Optional[str]:
    """Grouped bars of :data:`BAR_METRICS` per evaluated model; None if none."""
    rows = [row for row in table.rows() if row['status'] == STATUS_DONE]
    if not rows:
        return None
    figure = Figure(figsize=(1.6 + 1.5 * len(rows), 3.6))
    axis = figure.subplots()
    width = 0.8 / len(BAR_METRICS)
    positions = np.arange(len(rows))
    for index, metric in enumerate(BAR_METRICS):
        values = [row.get(metric) or 0.0 for row in rows]
        errors = [row.get(f'{metric}_std') or 0.0 for row in rows]
        bars = axis.bar(positions + (index - 1.5) * width, values, width, label=metric,
                        yerr=errors if any(errors) else None, capsize=2)
        axis.bar_label(bars, fmt='%.0f', fontsize=7)
    axis.set_xticks(positions, [row['model'] for row in rows], rotation=15, ha='right')
    axis.set_ylim(0, 105)
    axis.set_ylabel('% on the test split (foreground mean, per image)')
    axis.set_title(f'{table.label}' + (' — DEMO SCALE' if demo else ''))
    axis.legend(ncol=4, fontsize=8, loc='upper center', bbox_to_anchor=(0.5, -0.25))
    _save(figure, path)
    return path


def _palette(table: DatasetTable, num_classes: int) -> np.ndarray:
    palette = (table.identity or {}).get('palette') or []
    if len(palette) < num_classes:
        cmap = colormaps['tab10']
        palette = [[int(255 * c) for c in cmap(i)[:3]] for i in range(num_classes)]
    colours = np.array(palette[:num_classes], dtype=np.float64)
    colours[0] = 0  # background / first class stays transparent-ish (black)
    return colours


def overlay(image: np.ndarray, labels: np.ndarray, colours: np.ndarray,
            alpha: float = 0.5) -> np.ndarray:
    """Blend class colours into an (H, W, 3) uint8 image (class 0 left as is)."""
    labels = np.clip(labels.astype(np.int64), 0, len(colours) - 1)
    out = image.astype(np.float64)
    mask = labels > 0
    out[mask] = (1 - alpha) * out[mask] + alpha * colours[labels[mask]]
    return out.clip(0, 255).astype(np.uint8)


def qualitative_grid(table: DatasetTable, work_dir: str, path: str,
                     num: int = 4) -> Optional[str]:
    """Rows: test frames; columns: image, ground truth, each model's prediction.

    Reads each evaluated model's ``qualitative.npz`` (written by the worker) and shows
    the first ``num`` frames, by frame key, that every model saved (image and video
    models of one table save the same frames); None when there is none.
    """
    samples: Dict[str, Any] = {}
    for record in table.records:
        if record.get('status') != STATUS_DONE or record['name'] in samples:
            continue  # with several seeds, the first finished run is shown
        folder = record.get('model_dir') or osp.join(work_dir, record['name'])
        file = osp.join(folder, record['eval']['qualitative']['file'])
        if osp.isfile(file):
            samples[record['name']] = np.load(file)
    if not samples:
        return None
    index = {name: {str(key): i for i, key in enumerate(s['keys'])}
             for name, s in samples.items()}
    first_name, first = next(iter(samples.items()))
    rows = [key for key in index[first_name]
            if all(key in keys for keys in index.values())][:num]
    if not rows:
        return None
    classes = (table.identity or {}).get('classes', [])
    colours = _palette(table, max(len(classes), 2))
    titles: List[str] = ['image', 'ground truth'] + list(samples)
    figure = Figure(figsize=(2.0 * len(titles), 2.0 * len(rows)))
    axes = figure.subplots(len(rows), len(titles), squeeze=False)
    for row, key in enumerate(rows):
        at = index[first_name][key]
        image = first[f'img_{at}']
        panels = [image, overlay(image, first[f'gt_{at}'], colours)] + [
            overlay(image, s[f'pred_{index[name][key]}'], colours)
            for name, s in samples.items()]
        for column, panel in enumerate(panels):
            axis = axes[row, column]
            axis.imshow(panel)
            axis.set_xticks([])
            axis.set_yticks([])
            if row == 0:
                axis.set_title(titles[column], fontsize=8)
        axes[row, 0].set_ylabel(osp.basename(key.split('#')[0]), fontsize=7)
    handles = [Rectangle((0, 0), 1, 1, color=colours[i] / 255)
               for i in range(1, len(classes))]
    if handles:
        figure.legend(handles, classes[1:], loc='lower center', ncol=len(handles),
                      fontsize=8)
    _save(figure, path)
    return path


def learning_curves(table: DatasetTable, path: str, demo: bool = False,
                    metric: str = 'mDice') -> Optional[str]:
    """``metric`` against training iterations (left) and training seconds (right),
    one colour per model, one line per run (seed); the axis names the split the
    points were scored on (validation; test for records older than that); None when
    no run has a curve of two points or more (``--curve-points``)."""
    runs: Dict[str, List[List[Dict[str, Any]]]] = {}
    for record in table.records:
        curve = (record.get('train') or {}).get('curve') or []
        points = [p for p in curve if p.get(metric) is not None]
        if record.get('status') == STATUS_DONE and len(points) > 1:
            runs.setdefault(record['name'], []).append(points)
    if not runs:
        return None
    figure = Figure(figsize=(10, 3.8))
    by_iter, by_time = figure.subplots(1, 2, sharey=True)
    colours = colormaps['tab10']
    for index, (name, curves) in enumerate(runs.items()):
        for run, points in enumerate(curves):
            label = name if run == 0 else None
            values = [p[metric] for p in points]
            style = dict(color=colours(index % 10), marker='o', markersize=3, lw=1.2,
                         alpha=0.9 if len(curves) == 1 else 0.6, label=label)
            by_iter.plot([p['iter'] for p in points], values, **style)
            if all(p.get('train_s') is not None for p in points):
                by_time.plot([p['train_s'] for p in points], values, **style)
    by_iter.set_xlabel('training iterations')
    by_time.set_xlabel('training seconds (evaluation excluded)')
    splits = sorted({point_split(p) for curves in runs.values() for points in curves
                     for p in points})
    by_iter.set_ylabel(f"{metric} on the {' / '.join(splits)} split (%)")
    for axis in (by_iter, by_time):
        axis.set_ylim(0, 100)
        axis.grid(alpha=0.3)
    by_iter.set_title(f'{table.label}: learning curves' + (' — DEMO SCALE' if demo else ''))
    by_iter.legend(fontsize=7, loc='best')
    _save(figure, path)
    return path


def write_figures(tables: Sequence[DatasetTable], work_dir: str, demo: bool,
                  num: int = 4) -> List[str]:
    """Bars, learning curves and qualitative grid per dataset; the paths written."""
    written = []
    for table in tables:
        base = osp.join(work_dir, f'benchmark_{table.label.replace(" ", "_")}')
        for result in (metric_bars(table, f'{base}_metrics.png', demo),
                       learning_curves(table, f'{base}_curves.png', demo),
                       qualitative_grid(table, work_dir, f'{base}_qualitative.png',
                                        num)):
            if result:
                written.append(result)
    return written
