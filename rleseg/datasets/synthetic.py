"""Deterministic generators of the embedded demo data, in the real on-disk layouts.

* :func:`generate_ipsc` writes IPSC-like time-lapse sequences: textured cells of
  two classes (``ipsc`` bright and granular, ``diff`` dim with a dark rim) that
  drift, grow and divide, with stable track ids; per frame a JPEG image, a
  per-frame VOC XML with polygons and (except for XML-only sequences) a palette
  PNG mask rasterised from the same polygons.
* :func:`generate_aris` writes ARIS-like river images: textured water, anchor ice
  and frazil ice, labels as anti-aliased 3-channel grey TIFFs (0 / 128 / 255).

Both write the split files, so the dataset classes and configs read generated and
real data the same way. Same ``seed`` -> byte-identical files. Pure numpy + OpenCV.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import Mapping, Optional, Sequence

import cv2
import numpy as np

from .imageio import write_image, write_palette_png
from .meta import ARIS_LEVELS, ARIS_THRESHOLDS, IPSC_CLASSES, IPSC_PALETTE
from .splits import (ARIS_PAPER_SPLITS, aris_split_items, ipsc_split_items,
                     write_split_files)
from .voc_xml import VocObject, rasterize_objects, write_voc_xml

#: Demo IPSC split: the paper's rule (test = the first frames of every sequence,
#: then early-stage train, then late-stage train) scaled to 24-frame sequences.
DEMO_IPSC_SPLITS: dict[str, tuple[int, int]] = {
    'test': (0, 4), 'train_early': (4, 12), 'train_late': (12, 24)}
#: (H, W) of the demo sequences (sizes vary, like the real ROIs).
DEMO_IPSC_SIZES: tuple[tuple[int, int], ...] = ((64, 96), (96, 64), (80, 80))
#: (H, W) choices of the demo ARIS images.
DEMO_ARIS_SIZES: tuple[tuple[int, int], ...] = ((64, 96), (80, 80), (96, 64), (64, 64),
                                                (96, 96))


# ----------------------------------------------------------------------------- IPSC
@dataclass
class _Cell:
    track: int
    cls: int                    # 1 ipsc, 2 diff
    cx: float
    cy: float
    r: float                    # mean radius, pixels
    vx: float
    vy: float
    growth: float               # radius factor per frame
    angle: float
    harmonics: np.ndarray = field(repr=False)   # (3, 2): amplitude, phase of k=2..4

    def polygon(self, num_points: int = 20) -> np.ndarray:
        """Polygon ``(K, 2)`` (x, y), rounded to 2 decimals like the XML."""
        theta = np.linspace(0, 2 * np.pi, num_points, endpoint=False) + self.angle
        k = np.arange(2, 5)[:, None]
        radius = self.r * (1 + (self.harmonics[:, :1] *
                                np.cos(k * theta + self.harmonics[:, 1:])).sum(0))
        pts = np.stack([self.cx + radius * np.cos(theta),
                        self.cy + radius * np.sin(theta)], axis=1)
        return np.round(pts, 2)


def _new_cell(rng: np.random.Generator, track: int, shape: tuple[int, int],
              cls: Optional[int] = None) -> _Cell:
    h, w = shape
    r = rng.uniform(4.0, 7.0)
    return _Cell(track=track, cls=int(cls if cls is not None else rng.integers(1, 3)),
                 cx=rng.uniform(r + 2, w - r - 2), cy=rng.uniform(r + 2, h - r - 2),
                 r=r, vx=rng.normal(0, 0.6), vy=rng.normal(0, 0.6),
                 growth=rng.uniform(1.01, 1.035), angle=rng.uniform(0, 2 * np.pi),
                 harmonics=np.stack([rng.uniform(0.02, 0.12, 3),
                                     rng.uniform(0, 2 * np.pi, 3)], axis=1))


def _step(cells: list[_Cell], rng: np.random.Generator, shape: tuple[int, int],
          next_track: int, max_cells: int, divide_radius: float) -> tuple[list[_Cell], int]:
    """Advance every cell one frame: drift (reflecting at borders), grow, divide."""
    h, w = shape
    out = []
    for c in cells:
        c = replace(c, vx=0.8 * c.vx + rng.normal(0, 0.3), vy=0.8 * c.vy + rng.normal(0, 0.3),
                    angle=c.angle + rng.normal(0, 0.05))
        c.cx, c.cy = c.cx + c.vx, c.cy + c.vy
        if not c.r < c.cx < w - c.r:
            c.vx, c.cx = -c.vx, float(np.clip(c.cx, c.r, w - c.r))
        if not c.r < c.cy < h - c.r:
            c.vy, c.cy = -c.vy, float(np.clip(c.cy, c.r, h - c.r))
        if c.r * c.growth < divide_radius:
            c.r *= c.growth
            out.append(c)
        elif len(cells) + len(out) < max_cells + 1:
            a = rng.uniform(0, np.pi)
            d = np.array([np.cos(a), np.sin(a)]) * 0.55 * c.r
            r = c.r / np.sqrt(2) * 1.05
            out.append(replace(c, cx=c.cx + d[0], cy=c.cy + d[1], r=r, vx=d[0] / 4,
                               vy=d[1] / 4))
            out.append(replace(c, track=next_track, cx=c.cx - d[0], cy=c.cy - d[1], r=r,
                               vx=-d[0] / 4, vy=-d[1] / 4,
                               harmonics=c.harmonics * rng.uniform(0.8, 1.2, (3, 2))))
            next_track += 1
        else:
            out.append(c)
    return out, next_track


def _smooth_noise(rng: np.random.Generator, shape: tuple[int, int], sigma: float) -> np.ndarray:
    """Zero-mean, unit-std band-limited noise ``(H, W)`` float32."""
    noise = cv2.GaussianBlur(rng.standard_normal(shape).astype(np.float32), (0, 0), sigma)
    return noise / (noise.std() + 1e-6)


def _render_cells(rng: np.random.Generator, shape: tuple[int, int],
                  objects: Sequence[VocObject]) -> np.ndarray:
    """Microscopy-like grey frame ``(H, W, 3)`` uint8 with the given cells."""
    img = 100 + 12 * _smooth_noise(rng, shape, 8) + 3 * rng.standard_normal(shape)
    textures = {1: 175 + 22 * _smooth_noise(rng, shape, 0.7),
                2: 135 + 8 * _smooth_noise(rng, shape, 2.5)}
    for obj in objects:
        cls = IPSC_CLASSES.index(obj.name)
        region = np.zeros(shape, np.uint8)
        pts = [np.round(obj.polygon).astype(np.int32).reshape(-1, 1, 2)]
        cv2.fillPoly(region, pts, 1)
        img = np.where(region > 0, textures[cls], img)
        if cls == 2:
            rim = np.zeros(shape, np.uint8)
            cv2.polylines(rim, pts, True, 1, 1)
            img = np.where(rim > 0, 85.0, img)
    img = cv2.GaussianBlur(img.astype(np.float32), (3, 3), 0.6)
    img = np.clip(img + 2 * rng.standard_normal(shape), 0, 255).astype(np.uint8)
    return np.repeat(img[..., None], 3, axis=2)


def _frame_numbers(rng: np.random.Generator, num_frames: int, first: int,
                   num_missing: int) -> list[int]:
    """Raw frame numbers with ``num_missing`` gaps (never the first or last)."""
    raw = np.arange(first, first + num_frames + num_missing)
    gaps = rng.choice(np.arange(1, len(raw) - 1), size=num_missing, replace=False)
    return [int(v) for v in np.delete(raw, gaps)]


def generate_ipsc(root: str,
                  num_sequences: int = 3,
                  num_frames: int = 24,
                  sizes: Sequence[tuple[int, int]] = DEMO_IPSC_SIZES,
                  seed: int = 0,
                  xml_only: Sequence[int] = (2,),
                  split_ranges: Mapping[str, tuple[int, int]] = DEMO_IPSC_SPLITS,
                  first_frame: int = 146,
                  num_missing: int = 3,
                  max_cells: int = 9,
                  overwrite: bool = False) -> dict:
    """Write an IPSC-like dataset under ``root`` in the release layout.

    Layout: ``<root>/<sequence>/imageNNN.jpg``, ``<sequence>/annotations/imageNNN.xml``,
    ``<sequence>/masks/imageNNN.png`` (palette: 0 background, 1 ipsc, 2 diff; not
    written for the sequences listed in ``xml_only``), ``<root>/splits/*.txt``.
    Sequence ``i`` is ``roi_x1_y1_x2_y2`` (``all_frames_roi_...`` for odd ``i``),
    of size ``sizes[i % len(sizes)]`` (H, W); raw frame numbers start at
    ``first_frame`` with ``num_missing`` gaps.

    Returns:
        dict with ``root``, ``sequences`` (names), ``num_frames``, ``splits``
        (name -> number of items) and ``split_files``.
    """
    names = []
    for i in range(num_sequences):
        rng = np.random.default_rng([seed, i])
        h, w = sizes[i % len(sizes)]
        x1, y1 = 1000 + 517 * i, 800 + 331 * i
        name = f'{"all_frames_" if i % 2 else ""}roi_{x1}_{y1}_{x1 + w}_{y1 + h}'
        seq = os.path.join(root, name)
        names.append(name)
        cells = [_new_cell(rng, t + 1, (h, w), cls=1 + t % 2) for t in range(4)]
        next_track = len(cells) + 1
        for number in _frame_numbers(rng, num_frames, first_frame, num_missing):
            stem = f'image{number:03d}'
            objects = [VocObject(IPSC_CLASSES[c.cls], c.track, c.polygon()) for c in cells]
            write_image(os.path.join(seq, f'{stem}.jpg'), _render_cells(rng, (h, w), objects))
            write_voc_xml(os.path.join(seq, 'annotations', f'{stem}.xml'), f'{stem}.jpg',
                          (h, w), objects)
            if i not in xml_only:
                semantic, _ = rasterize_objects(objects, (h, w), IPSC_CLASSES)
                write_palette_png(os.path.join(seq, 'masks', f'{stem}.png'), semantic,
                                  IPSC_PALETTE)
            cells, next_track = _step(cells, rng, (h, w), next_track, max_cells,
                                      divide_radius=min(h, w) / 7)
    splits = ipsc_split_items(root, split_ranges)
    files = write_split_files(root, splits, overwrite=overwrite)
    return dict(root=root, sequences=names, num_frames=num_frames,
                splits={k: len(v) for k, v in splits.items()}, split_files=files)


# ----------------------------------------------------------------------------- ARIS
def _random_blob(rng: np.random.Generator, cx: float, cy: float, r: float,
                 elongation: float, num_points: int = 24) -> np.ndarray:
    """Irregular closed polygon ``(K, 1, 2)`` int32 around (cx, cy)."""
    theta = np.linspace(0, 2 * np.pi, num_points, endpoint=False)
    radius = r * (1 + 0.25 * _smooth_noise(rng, (1, num_points), 1.5)[0] / 2)
    a = rng.uniform(0, np.pi)
    x, y = radius * np.cos(theta) * elongation, radius * np.sin(theta)
    pts = np.stack([cx + x * np.cos(a) - y * np.sin(a), cy + x * np.sin(a) + y * np.cos(a)],
                   axis=1)
    return np.round(pts).astype(np.int32).reshape(-1, 1, 2)


def _aris_label(rng: np.random.Generator, shape: tuple[int, int], ss: int = 4) -> np.ndarray:
    """Anti-aliased grey label ``(H, W)`` uint8 (levels ``ARIS_LEVELS``)."""
    h, w = shape
    big = np.zeros((h * ss, w * ss), np.uint8)
    side = rng.integers(2)          # anchor ice grows from one bank (top or bottom)
    for _ in range(int(rng.integers(1, 4))):
        cx = rng.uniform(0, w) * ss
        cy = (0 if side == 0 else h) * ss + rng.normal(0, h * ss / 10)
        blob = _random_blob(rng, cx, cy, rng.uniform(0.2, 0.4) * h * ss, rng.uniform(1.5, 3))
        cv2.fillPoly(big, [blob], ARIS_LEVELS[1])
    for _ in range(int(rng.integers(2, 7))):
        blob = _random_blob(rng, rng.uniform(0, w) * ss, rng.uniform(0.15, 0.85) * h * ss,
                            rng.uniform(0.06, 0.16) * min(h, w) * ss, rng.uniform(1, 1.6))
        cv2.fillPoly(big, [blob], ARIS_LEVELS[2])
    return cv2.resize(big, (w, h), interpolation=cv2.INTER_AREA)


def _render_river(rng: np.random.Generator, classes: np.ndarray) -> np.ndarray:
    """River image ``(H, W, 3)`` uint8 BGR for a class map ``(H, W)``."""
    shape = classes.shape
    yy = np.arange(shape[0], dtype=np.float32)[:, None]
    ripple = np.sin(yy * rng.uniform(0.6, 1.0) + 3 * _smooth_noise(rng, shape, 4))
    colors = np.array([[105, 85, 45], [150, 160, 170], [232, 236, 238]], np.float32)
    img = colors[classes].copy()
    img += (classes == 0)[..., None] * (10 * ripple + 6 * _smooth_noise(rng, shape, 1))[..., None]
    img += (classes == 1)[..., None] * (12 * _smooth_noise(rng, shape, 5))[..., None]
    img += (classes == 2)[..., None] * (9 * _smooth_noise(rng, shape, 0.6))[..., None]
    img = cv2.GaussianBlur(img, (3, 3), 0.5) + 2 * rng.standard_normal((*shape, 3))
    return np.clip(img, 0, 255).astype(np.uint8)


def generate_aris(root: str,
                  num_images: int = 50,
                  sizes: Sequence[tuple[int, int]] = DEMO_ARIS_SIZES,
                  seed: int = 0,
                  split_ranges: Mapping[str, tuple[int, int]] = ARIS_PAPER_SPLITS,
                  overwrite: bool = False) -> dict:
    """Write an ARIS-like dataset under ``root`` in the release layout.

    Layout: ``<root>/images/img_N.tif`` (BGR), ``<root>/labels/img_N.tif`` (3-channel
    grey, ~0 water, ~128 anchor ice, ~255 frazil ice, anti-aliased boundaries),
    N = 1..num_images without zero padding, and ``<root>/splits/*.txt``. With the
    default 50 images the paper's split rule applies unchanged.

    Returns:
        dict with ``root``, ``num_images``, ``splits`` (name -> number of items) and
        ``split_files``.
    """
    for n in range(1, num_images + 1):
        rng = np.random.default_rng([seed, n])
        shape = sizes[int(rng.integers(len(sizes)))]
        grey = _aris_label(rng, shape)
        classes = np.searchsorted(np.array(ARIS_THRESHOLDS), grey, side='right')
        write_image(os.path.join(root, 'images', f'img_{n}.tif'), _render_river(rng, classes))
        write_image(os.path.join(root, 'labels', f'img_{n}.tif'),
                    np.repeat(grey[..., None], 3, axis=2))
    ranges = {k: v for k, v in split_ranges.items() if v[1] <= num_images}
    splits = aris_split_items(root, ranges)
    files = write_split_files(root, splits, overwrite=overwrite)
    return dict(root=root, num_images=num_images,
                splits={k: len(v) for k, v in splits.items()}, split_files=files)
