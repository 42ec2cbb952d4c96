"""The shipped real satellite roads tile, cut into the ``data/roads`` folder dataset.

Source: ``rleseg/datasets/assets/roads`` (origin and licence in its README): a SpaceNet
roads sample shipped as ``solaris/data/road_mask_input.tif`` and
``sample_road_raster_mask.tif`` in the solaris 0.4.0 wheel (solaris: Apache-2.0): a
1300 x 1300 overhead image of a suburban area and its road labels (1 = a band about
12 px wide along the road centre lines, 3.3 % of the pixels). The labels are
**incomplete**: a few streets and driveways visible in the image are not labelled.
They are background (0) here like everything else that is not a labelled road, not
ignored: the tile has no mark of where labels are missing, so every model is scored
(and penalised for finding an unlabelled street) the same way. The asset image is
8-bit, written from the 11-bit release by :func:`write_roads_assets` with one
percentile scaling for the whole tile: ``v8 = round(255 * clip((v - p1) / (p99.8 -
p1), 0, 1))`` (:func:`~rleseg.datasets.nuclei.scale_to_uint8`).

:func:`prepare_roads` writes mmseg's plain folder layout (read by
:class:`~rleseg.datasets.FolderSegDataset`)::

    <out>/img_dir/{train,val,test}/roads_rR_cC.png   8-bit grey image crop
    <out>/ann_dir/{train,val,test}/roads_rR_cC.png   palette PNG: 0 background, 1 road
    <out>/README.md                                  origin and licence

* **Crops**: a 20 x 20 grid of whole, non-overlapping 64 x 64 crops at native resolution
  covering rows / columns 0..1279 of the tile (``R``, ``C`` = 0..19; 400 crops; the
  last 20 rows and columns are not used).
* **Split** (fixed, by position), the nuclei pattern repeated every 4 rows: test = the
  crops with ``R mod 4 == C mod 4`` (100), val = ``R mod 4 == (C + 2) mod 4`` (100),
  train = the other 200 (:func:`~rleseg.datasets.nuclei.nuclei_split`). Every split
  covers the whole tile; no crop is in two splits. Most crops hold no road.

Pure numpy + OpenCV; no OpenMMLab imports. Same input -> byte-identical files.
"""
from __future__ import annotations

import os
import shutil

import cv2
import numpy as np

from .errors import DataError
from .imageio import write_image, write_palette_png
from .nuclei import (NUCLEI_PERCENTILES, NUCLEI_SPLITS, nuclei_split, read_asset,
                     remove_stale, scale_to_uint8)

ROADS_CLASSES = ('background', 'road')
ROADS_PALETTE = ((0, 0, 0), (255, 200, 0))
#: Folder of the shipped image, road labels and README.
ROADS_ASSETS = os.path.join(os.path.dirname(__file__), 'assets', 'roads')
#: (H, W) of the shipped tile.
ROADS_SOURCE_SHAPE = (1300, 1300)
#: Side of a crop, pixels (crops are used at native resolution).
ROADS_CROP = 64
#: Folders of the mmseg plain layout: image, semantic label.
ROADS_DIRS = dict(img_path='img_dir', seg_map_path='ann_dir')
#: Asset file names: the 8-bit image and the 0 / 1 road labels.
ROADS_FILES = ('image.png', 'roads.png')


def crop_name(row: int, col: int) -> str:
    """File stem of the crop at grid position ``(row, col)``."""
    return f'roads_r{row}_c{col}'


def roads_split(row: int, col: int) -> str:
    """The nuclei split pattern repeated every 4 rows: ``'test'`` where ``row mod 4 ==
    col mod 4``, ``'val'`` where ``row mod 4 == (col + 2) mod 4``, else ``'train'``."""
    return nuclei_split(row % 4, col, rows=4)


def _read_labels(path: str) -> np.ndarray:
    """Road labels of the tile, ``(1300, 1300)`` uint8 in {0, 1}."""
    labels = read_asset(path, ROADS_SOURCE_SHAPE, 'roads label', np.uint8)
    values = np.unique(labels)
    if not set(values.tolist()) <= {0, 1}:
        raise DataError(f'roads label {path} has values {values.tolist()}; expected 0 '
                        '(background) and 1 (road)')
    return labels


def read_roads_source(asset_dir: str = ROADS_ASSETS) -> tuple[np.ndarray, np.ndarray]:
    """The shipped 8-bit image and road labels, both ``(1300, 1300)`` uint8.

    Raises:
        DataError: a file is missing, unreadable, not a 1300 x 1300 one-channel 8-bit
            image, or a label value is not 0 / 1.
    """
    image_name, label_name = ROADS_FILES
    image = read_asset(os.path.join(asset_dir, image_name), ROADS_SOURCE_SHAPE,
                       'roads image', np.uint8)
    return image, _read_labels(os.path.join(asset_dir, label_name))


def write_roads_assets(source_dir: str, asset_dir: str = ROADS_ASSETS
                       ) -> tuple[float, float]:
    """Write the shipped assets from the 11-bit release (how they were made).

    Args:
        source_dir: folder with the uint16 ``image.png`` and the 0 / 1 ``roads.png``.
        asset_dir: output folder (its README is written by hand).

    Returns:
        ``(p1, p99.8)``: the grey levels of the tile mapped to 0 and 255.
    """
    image_name, label_name = ROADS_FILES
    image = read_asset(os.path.join(source_dir, image_name), ROADS_SOURCE_SHAPE,
                       'roads source image', np.uint16)
    labels = _read_labels(os.path.join(source_dir, label_name))
    scaled, levels = scale_to_uint8(image, NUCLEI_PERCENTILES)
    os.makedirs(asset_dir, exist_ok=True)
    for name, array in ((image_name, scaled), (label_name, labels)):
        path = os.path.join(asset_dir, name)
        if not cv2.imwrite(path, array, [cv2.IMWRITE_PNG_COMPRESSION, 9]):
            raise DataError(f'could not write roads asset {path}')
    return levels


def prepare_roads(out: str, asset_dir: str = ROADS_ASSETS, overwrite: bool = False) -> dict:
    """Write the roads folder dataset under ``out`` (see the module doc).

    Args:
        out: dataset root, e.g. ``data/roads``.
        asset_dir: folder with ``image.png``, ``roads.png`` and ``README.md``.
        overwrite: delete files in the layout's folders that are not crops.

    Returns:
        ``{'root', 'splits': {name: [stems]}, 'foreground': {name: fraction of road
        pixels}, 'with_road': {name: number of crops holding road}}``.
    """
    image, labels = read_roads_source(asset_dir)
    grid = ROADS_SOURCE_SHAPE[0] // ROADS_CROP
    splits: dict[str, list[str]] = {s: [] for s in NUCLEI_SPLITS}
    road = {s: 0 for s in NUCLEI_SPLITS}
    with_road = {s: 0 for s in NUCLEI_SPLITS}
    written: set[str] = set()
    for row in range(grid):
        for col in range(grid):
            box = np.s_[row * ROADS_CROP:(row + 1) * ROADS_CROP,
                        col * ROADS_CROP:(col + 1) * ROADS_CROP]
            split, stem = roads_split(row, col), crop_name(row, col)
            paths = {key: os.path.join(out, folder, split, stem + '.png')
                     for key, folder in ROADS_DIRS.items()}
            write_image(paths['img_path'], image[box])
            write_palette_png(paths['seg_map_path'], labels[box], ROADS_PALETTE)
            written.update(paths.values())
            splits[split].append(stem)
            road[split] += int(labels[box].sum())
            with_road[split] += int(labels[box].any())
    remove_stale(out, written, overwrite, ROADS_DIRS.values(), NUCLEI_SPLITS, 'roads')
    shutil.copyfile(os.path.join(asset_dir, 'README.md'), os.path.join(out, 'README.md'))
    return dict(root=out, splits=splits, with_road=with_road,
                foreground={s: road[s] / (len(v) * ROADS_CROP ** 2)
                            for s, v in splits.items()})


def roads_summary(summary: dict) -> str:
    """One line describing what :func:`prepare_roads` wrote."""
    counts = ', '.join(
        f'{s} {len(v)} ({summary["with_road"][s]} with road, '
        f'{100 * summary["foreground"][s]:.1f} % road)' for s, v in summary['splits'].items())
    return f"wrote {summary['root']} (64x64 crops of the real roads tile: {counts})"
