"""What ``tools/prepare_data.py`` does: write the demo and the shipped real data (nuclei,
HeLa time-lapse, roads), write split files."""
from __future__ import annotations

import os
import time

from .splits import (ARIS_PAPER_SPLITS, IPSC_FRAMES_PER_SEQUENCE, IPSC_PAPER_SPLITS,
                     aris_split_items, ipsc_split_items, list_ipsc_frames,
                     list_ipsc_sequences, write_split_files)
from .errors import DataError
from .hela import prepare_hela_video
from .nuclei import prepare_nuclei
from .roads import prepare_roads
from .synthetic import GENERATED_MARKER, generate_aris, generate_ipsc

DEMO_DIRS = {'ipsc': 'ipsc_demo', 'aris': 'aris_demo', 'nuclei': 'nuclei',
             'hela_video': 'hela_video', 'roads': 'roads'}
#: The file each data set of :func:`prepare_demo` writes last (its presence means the
#: folder is complete).
READY_FILES = {'ipsc': GENERATED_MARKER, 'aris': GENERATED_MARKER, 'nuclei': 'README.md',
               'hela_video': 'README.md', 'roads': 'README.md'}


def demo_data_ready(out: str = 'data') -> bool:
    """True when every data set of :func:`prepare_demo` is complete under ``out``."""
    return all(os.path.isfile(os.path.join(out, DEMO_DIRS[name], ready))
               for name, ready in READY_FILES.items())


def prepare_demo(out: str = 'data', seed: int = 0, overwrite: bool = False) -> dict:
    """Write ``<out>/ipsc_demo``, ``<out>/aris_demo`` (generated, deterministic in
    ``seed``), ``<out>/nuclei``, ``<out>/hela_video`` and ``<out>/roads`` (crops of the
    shipped real data, see :mod:`rleseg.datasets.nuclei`, :mod:`~rleseg.datasets.hela`,
    :mod:`~rleseg.datasets.roads`).

    Returns:
        ``{'ipsc', 'aris', 'nuclei', 'hela_video', 'roads': summary, 'seconds': float}``.
    """
    start = time.perf_counter()
    ipsc = generate_ipsc(os.path.join(out, DEMO_DIRS['ipsc']), seed=seed, overwrite=overwrite)
    aris = generate_aris(os.path.join(out, DEMO_DIRS['aris']), seed=seed, overwrite=overwrite)
    nuclei = prepare_nuclei(os.path.join(out, DEMO_DIRS['nuclei']), overwrite=overwrite)
    hela = prepare_hela_video(os.path.join(out, DEMO_DIRS['hela_video']), overwrite=overwrite)
    roads = prepare_roads(os.path.join(out, DEMO_DIRS['roads']), overwrite=overwrite)
    return dict(ipsc=ipsc, aris=aris, nuclei=nuclei, hela_video=hela, roads=roads,
                seconds=time.perf_counter() - start)


def prepare_splits(dataset: str, root: str, overwrite: bool = False) -> dict[str, int]:
    """Write the paper's split files of a real download under ``<root>/splits``.

    IPSC: every sequence must have 127 frames (test 0-15, val 16-27, train_early
    28-53, train_late 54-126 by sorted frame index). ARIS: train_{4,8,16,24,28,32} =
    the first N images in numeric order, val = images 29-32, test = images 33-50.

    Returns:
        ``{split name: number of items}``.
    """
    if dataset == 'ipsc':
        for seq in list_ipsc_sequences(root):
            n = len(list_ipsc_frames(root, seq))
            if n != IPSC_FRAMES_PER_SEQUENCE:
                raise DataError(f'IPSC sequence {os.path.join(root, seq)} has {n} frames; '
                                f'expected {IPSC_FRAMES_PER_SEQUENCE}')
        splits = ipsc_split_items(root, IPSC_PAPER_SPLITS)
    elif dataset == 'aris':
        splits = aris_split_items(root, ARIS_PAPER_SPLITS)
    else:
        raise ValueError(f"dataset {dataset!r} must be 'ipsc' or 'aris'")
    write_split_files(root, splits, overwrite=overwrite)
    return {name: len(items) for name, items in splits.items()}
