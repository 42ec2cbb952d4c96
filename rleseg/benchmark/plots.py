"""Benchmark figures: metric bars and qualitative overlays.

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

from .records import STATUS_DONE, atomic_write_bytes
from .report import DatasetTable, flatten

BAR_METRICS = ('mRecall', 'mPrecision', 'mDice', 'mIoU')


def _save(figure: Figure, path: str) -> None:
    buffer = io.BytesIO()
    figure.savefig(buffer, format='png', dpi=110, bbox_inches='tight')
    atomic_write_bytes(path, buffer.getvalue())


def metric_bars(table: DatasetTable, path: str, demo: bool = False) -> Optional[str]:
    """Grouped bars of :data:`BAR_METRICS` per evaluated model; None if none."""
    rows = [flatten(r) for r in table.records if r.get('status') == STATUS_DONE]
    if not rows:
        return None
    figure = Figure(figsize=(1.6 + 1.5 * len(rows), 3.6))
    axis = figure.subplots()
    width = 0.8 / len(BAR_METRICS)
    positions = np.arange(len(rows))
    for index, metric in enumerate(BAR_METRICS):
        values = [row.get(metric) or 0.0 for row in rows]
        bars = axis.bar(positions + (index - 1.5) * width, values, width, label=metric)
        axis.bar_label(bars, fmt='%.0f', fontsize=7)
    axis.set_xticks(positions, [row['model'] for row in rows], rotation=15, ha='right')
    axis.set_ylim(0, 105)
    axis.set_ylabel('% (foreground mean, per image)')
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
        if record.get('status') != STATUS_DONE:
            continue
        file = osp.join(work_dir, record['name'],
                        record['eval']['qualitative']['file'])
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


def write_figures(tables: Sequence[DatasetTable], work_dir: str, demo: bool,
                  num: int = 4) -> List[str]:
    """Bars and qualitative grid per dataset; the paths written."""
    written = []
    for table in tables:
        base = osp.join(work_dir, f'benchmark_{table.label.replace(" ", "_")}')
        for result in (metric_bars(table, f'{base}_metrics.png', demo),
                       qualitative_grid(table, work_dir, f'{base}_qualitative.png',
                                        num)):
            if result:
                written.append(result)
    return written
