"""The shipped real nuclei image, cut into the ``data/nuclei`` folder dataset.

Source: ``rleseg/datasets/assets/nuclei`` (origin and licence in its README): the top
half of the 2018 Data Science Bowl stage-1 training image shipped as
``stardist/data/images/img2d.tif`` / ``mask2d.tif`` in the stardist 0.9.2 wheel
(stardist: BSD-3-Clause; image from BBBC038, CC0): a 256 x 512 uint16 fluorescence
image and its uint16 instance ids (0 = background).

:func:`prepare_nuclei` writes mmseg's plain folder layout (read by
:class:`~rleseg.datasets.FolderSegDataset`)::

    <out>/img_dir/{train,val,test}/nuclei_rR_cC.png    8-bit grey image crop
    <out>/ann_dir/{train,val,test}/nuclei_rR_cC.png    palette PNG: 0 background, 1 nucleus
    <out>/inst_dir/{train,val,test}/nuclei_rR_cC.png   16-bit grey: 0 none, 1..K nuclei
    <out>/README.md                                    origin and licence

* **Crops**: a 4 x 8 grid of whole, non-overlapping 64 x 64 crops (``R`` = row 0..3,
  ``C`` = column 0..7; 32 crops).
* **Split** (fixed, by position): test = the 8 crops with ``R == C mod 4`` (a diagonal
  pattern: one crop per column, two per row, spread over the whole image); val = the 8
  crops with ``R == (C + 2) mod 4`` (the same pattern shifted by two rows, so validation
  covers the image as evenly as test); train = the other 16. No crop is in two splits;
  crops never overlap. Settings are chosen on val; test is only reported.
* **Intensity**: one percentile scaling for the whole image, the same for every crop:
  ``v8 = round(255 * clip((v - p1) / (p99.8 - p1), 0, 1))`` with ``p1`` / ``p99.8``
  the 1st / 99.8th percentiles of the whole uint16 image (stardist's usual
  normalisation).
* **Labels**: semantic nucleus = instance id > 0; instance ids renumbered per crop to
  1..K in increasing order of the source id (a nucleus cut by a crop border is a
  separate instance in each crop).

Pure numpy + OpenCV; no OpenMMLab imports. Same input -> byte-identical files.
"""
from __future__ import annotations

import os
import shutil
from typing import Iterable, Optional, Sequence

import cv2
import numpy as np

from .errors import DataError
from .imageio import write_image, write_palette_png

NUCLEI_CLASSES = ('background', 'nucleus')
NUCLEI_PALETTE = ((0, 0, 0), (255, 80, 80))
#: Folder of the shipped source image, instance map and README.
NUCLEI_ASSETS = os.path.join(os.path.dirname(__file__), 'assets', 'nuclei')
#: (H, W) of the shipped image.
NUCLEI_SOURCE_SHAPE = (256, 512)
#: Side of a crop, pixels.
NUCLEI_CROP = 64
#: Percentiles of the whole image mapped to 0 and 255.
NUCLEI_PERCENTILES = (1.0, 99.8)
#: Folders of the mmseg plain layout: image, semantic label, instance map.
NUCLEI_DIRS = dict(img_path='img_dir', seg_map_path='ann_dir', inst_map_path='inst_dir')
NUCLEI_SPLITS = ('train', 'val', 'test')


def crop_name(row: int, col: int) -> str:
    """File stem of the crop at grid position ``(row, col)``."""
    return f'nuclei_r{row}_c{col}'


def nuclei_split(row: int, col: int, rows: int = 4) -> str:
    """``'test'`` for the diagonal crops ``row == col mod rows``, ``'val'`` for the
    shifted diagonal ``row == (col + rows // 2) mod rows``, else ``'train'``."""
    if row == col % rows:
        return 'test'
    return 'val' if row == (col + rows // 2) % rows else 'train'


def read_nuclei_source(asset_dir: str = NUCLEI_ASSETS) -> tuple[np.ndarray, np.ndarray]:
    """The shipped image and instance ids, both ``(256, 512)`` (uint16, int64).

    Raises:
        DataError: a file is missing, unreadable, or not a 256 x 512 one-channel image.
    """
    image, instances = (read_asset(os.path.join(asset_dir, name), NUCLEI_SOURCE_SHAPE)
                        for name in ('image.png', 'instances.png'))
    return image, instances.astype(np.int64)


def read_asset(path: str, shape: tuple[int, int], what: str = 'nuclei source',
               dtype: Optional[type] = None) -> np.ndarray:
    """One shipped one-channel PNG, ``shape`` (H, W), as stored (``dtype`` if given).

    Raises:
        DataError: the file is missing, unreadable, of another shape or dtype.
    """
    if not os.path.isfile(path):
        raise DataError(f'{what} {path} does not exist')
    arr = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if arr is None or arr.shape != tuple(shape):
        got = 'unreadable' if arr is None else f'shape {arr.shape}'
        raise DataError(f'{what} {path} is {got}; expected a {shape[0]}x{shape[1]} grey PNG')
    if dtype is not None and arr.dtype != dtype:
        raise DataError(f'{what} {path} is {arr.dtype}; expected {np.dtype(dtype)}')
    return arr


def scale_to_uint8(image: np.ndarray, percentiles: tuple[float, float] = NUCLEI_PERCENTILES
                   ) -> tuple[np.ndarray, tuple[float, float]]:
    """Percentile scaling of a whole image to uint8 (see the module doc).

    Args:
        image: (H, W) any numeric dtype.
        percentiles: (low, high) percentiles mapped to 0 and 255.

    Returns:
        ``(scaled, (low, high))``: (H, W) uint8 and the input levels mapped to 0 / 255.
    """
    values = image.astype(np.float64)
    low, high = (float(v) for v in np.percentile(values, percentiles))
    if high <= low:
        raise ValueError(f'scale_to_uint8: image is constant between percentiles '
                         f'{percentiles} ({low})')
    scaled = np.clip((values - low) / (high - low), 0.0, 1.0)
    return np.round(scaled * 255.0).astype(np.uint8), (low, high)


def renumber_instances(instances: np.ndarray) -> np.ndarray:
    """Ids renumbered to 1..K in increasing order of the input id (0 stays 0).

    Args:
        instances: (H, W) non-negative integer ids.

    Returns:
        (H, W) uint16.
    """
    ids, inverse = np.unique(instances, return_inverse=True)
    ranks = np.arange(len(ids)) + (0 if ids[0] == 0 else 1)
    return ranks[inverse].reshape(instances.shape).astype(np.uint16)


def remove_stale(root: str, written: set[str], overwrite: bool,
                 folders: Iterable[str] = tuple(NUCLEI_DIRS.values()),
                 splits: Sequence[str] = NUCLEI_SPLITS, name: str = 'nuclei') -> None:
    """Refuse (or with ``overwrite`` delete) files of the layout that we did not write.

    Every file below ``<root>/<folder>/<split>`` (sequence folders included) is checked.
    A file in another split's folder than the one it belongs to (written by an older
    version of the split, same path below the split folder) is ours and is removed
    without asking; so are the folders this leaves empty.
    """
    ours = {os.path.join(*os.path.relpath(p, root).split(os.sep)[2:]) for p in written}
    for folder in folders:
        for split in splits:
            sub = os.path.join(root, folder, split)
            emptied: set[str] = set()
            for dirpath, _, files in sorted(os.walk(sub, topdown=False), reverse=True):
                for file in sorted(files):
                    path = os.path.join(dirpath, file)
                    if path in written:
                        continue
                    if not overwrite and os.path.relpath(path, sub) not in ours:
                        raise DataError(f'{path} is not part of the {name} data and would be '
                                        'read as an item; remove it or pass --overwrite')
                    os.remove(path)
                    emptied.add(dirpath)
                if dirpath != sub and dirpath in emptied and not os.listdir(dirpath):
                    os.rmdir(dirpath)
                    emptied.add(os.path.dirname(dirpath))


def write_crop(paths: dict[str, str], image: np.ndarray, instances: np.ndarray
               ) -> np.ndarray:
    """Write one crop: 8-bit image, semantic label (nucleus = id > 0) and instance ids
    renumbered to 1..K (:func:`renumber_instances`).

    Args:
        paths: file of each :data:`NUCLEI_DIRS` key.
        image: (h, w) uint8.
        instances: (h, w) non-negative integer ids.

    Returns:
        (h, w) uint16: the renumbered ids written.
    """
    inst = renumber_instances(instances)
    write_image(paths['img_path'], image)
    write_palette_png(paths['seg_map_path'], (inst > 0).astype(np.uint8), NUCLEI_PALETTE)
    os.makedirs(os.path.dirname(paths['inst_map_path']), exist_ok=True)
    if not cv2.imwrite(paths['inst_map_path'], inst):
        raise DataError(f"could not write instance map {paths['inst_map_path']}")
    return inst


def prepare_nuclei(out: str, asset_dir: str = NUCLEI_ASSETS,
                   overwrite: bool = False) -> dict:
    """Write the nuclei folder dataset under ``out`` (see the module doc).

    Args:
        out: dataset root, e.g. ``data/nuclei``.
        asset_dir: folder with ``image.png`` and ``instances.png``.
        overwrite: delete files in the layout's folders that are not crops.

    Returns:
        ``{'root', 'splits': {name: [stems]}, 'percentiles': (p1, p99.8) grey levels,
        'foreground': {name: fraction of nucleus pixels}}``.
    """
    image, instances = read_nuclei_source(asset_dir)
    image8, levels = scale_to_uint8(image)
    rows, cols = (s // NUCLEI_CROP for s in NUCLEI_SOURCE_SHAPE)
    splits: dict[str, list[str]] = {s: [] for s in NUCLEI_SPLITS}
    nucleus = {s: 0 for s in NUCLEI_SPLITS}
    written: set[str] = set()
    for row in range(rows):
        for col in range(cols):
            box = np.s_[row * NUCLEI_CROP:(row + 1) * NUCLEI_CROP,
                        col * NUCLEI_CROP:(col + 1) * NUCLEI_CROP]
            split, stem = nuclei_split(row, col, rows), crop_name(row, col)
            paths = {key: os.path.join(out, folder, split, stem + '.png')
                     for key, folder in NUCLEI_DIRS.items()}
            inst = write_crop(paths, image8[box], instances[box])
            written.update(paths.values())
            splits[split].append(stem)
            nucleus[split] += int((inst > 0).sum())
    remove_stale(out, written, overwrite)
    shutil.copyfile(os.path.join(asset_dir, 'README.md'), os.path.join(out, 'README.md'))
    return dict(root=out, splits=splits, percentiles=levels,
                foreground={s: nucleus[s] / (len(splits[s]) * NUCLEI_CROP ** 2)
                            for s in NUCLEI_SPLITS})


def nuclei_summary(summary: dict) -> str:
    """One line describing what :func:`prepare_nuclei` wrote."""
    counts = ', '.join(f'{s} {len(v)} ({100 * summary["foreground"][s]:.0f} % nucleus)'
                       for s, v in summary['splits'].items())
    low, high = summary['percentiles']
    return (f"wrote {summary['root']} (64x64 crops of the real nuclei image: {counts}; "
            f'grey levels {low:.0f}..{high:.0f} -> 0..255)')

