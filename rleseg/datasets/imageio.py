"""Reading and writing images and label maps, with one-line errors naming the file.

Pure numpy + OpenCV/Pillow; no OpenMMLab imports, so the generator and the
tests can use it without the model stack.

Label encodings understood by :func:`decode_label_file`:

* ``'index'``: a PNG/TIFF whose pixel values are class ids (palette PNGs keep
  their indices; 3-channel grey images use one channel).
* ``'grey_levels'``: a (possibly 3-channel) grey image whose levels encode
  the classes with anti-aliased boundaries; pixel value ``v`` maps to class
  ``searchsorted(thresholds, v, side='right')`` (ARIS: thresholds (64, 192):
  ``<64`` -> 0, ``64..191`` -> 1, ``>=192`` -> 2).
* ``'voc_xml'``: per-frame Pascal-VOC XML with polygons (IPSC), rasterised by
  :mod:`rleseg.datasets.voc_xml`.
"""
from __future__ import annotations

import io
import os
from typing import Optional, Sequence

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from .errors import DataError
from .integrity import check_intact
from .splits import require_file

LABEL_FORMATS = ('index', 'grey_levels', 'voc_xml')

#: Valid values of a ``'grey_levels'`` label (8-bit grey).
GREY_LEVEL_RANGE = (0, 255)
#: Maximum per-pixel spread between the channels of a "grey" 3-channel label.
GREY_CHANNEL_TOLERANCE = 32


def image_size(path: str, what: str = 'image') -> tuple[int, int]:
    """Return ``(height, width)`` of an image file from its header only.

    Raises:
        DataError: the file is missing or not a readable image.
    """
    require_file(path, what)
    return _header_size(path, path, what)


def _header_size(source, path: str, what: str) -> tuple[int, int]:
    try:
        with Image.open(source) as im:
            width, height = im.size
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise DataError(f'{what} {path} is not a readable image ({exc})') from None
    return height, width


def read_bytes(path: str, what: str = 'image') -> np.ndarray:
    """The bytes of a file as a uint8 array, after :func:`check_intact`.

    Raises:
        DataError: missing, a directory, or visibly damaged (see :func:`check_intact`).
    """
    require_file(path, what)
    data = np.fromfile(path, dtype=np.uint8)
    check_intact(data, path, what)
    return data


def check_image_file(path: str, what: str = 'image') -> tuple[int, int]:
    """``(height, width)`` of an image file whose bytes pass :func:`check_intact`.

    Reads the whole file once (no pixel decoding): the ``'header'`` item check.
    """
    return _header_size(io.BytesIO(read_bytes(path, what).tobytes()), path, what)


def read_image(path: str, what: str = 'image', verify: bool = False) -> np.ndarray:
    """Decode an image file to a ``(H, W, 3)`` uint8 BGR array.

    The bytes pass :func:`check_intact` first (OpenCV decodes a truncated or damaged
    JPEG/PNG to partly grey pixels without an error).

    Args:
        verify: also decode with Pillow (a second, independent decoder).

    Raises:
        DataError: missing, damaged or corrupt file.
    """
    data = read_bytes(path, what)
    img = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if img is None:
        raise DataError(f'{what} {path} is corrupt or not an image')
    if verify:
        try:
            with Image.open(io.BytesIO(data.tobytes())) as im:
                im.load()
        except (UnidentifiedImageError, OSError, SyntaxError) as exc:
            raise DataError(f'{what} {path} is corrupt or truncated ({exc})') from None
    return img


def write_image(path: str, img: np.ndarray, jpeg_quality: int = 92) -> None:
    """Write a ``(H, W, 3)`` uint8 BGR image; the format follows the suffix."""
    os.makedirs(os.path.dirname(path) or '.', exist_ok=True)
    params = [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality] if path.lower().endswith(
        ('.jpg', '.jpeg')) else []
    if not cv2.imwrite(path, img, params):
        raise DataError(f'could not write image {path}')


def write_palette_png(path: str, mask: np.ndarray,
                      palette: Sequence[Sequence[int]]) -> None:
    """Write an ``(H, W)`` class-id mask as a palette PNG (values preserved)."""
    os.makedirs(os.path.dirname(path) or '.', exist_ok=True)
    im = Image.fromarray(mask.astype(np.uint8), mode='P')
    flat = [int(v) for color in palette for v in color]
    im.putpalette(flat + [0] * (768 - len(flat)))
    im.save(path)


def _read_label_array(path: str) -> np.ndarray:
    data = read_bytes(path, 'label')
    try:
        with Image.open(io.BytesIO(data.tobytes())) as im:
            arr = np.array(im)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise DataError(f'label {path} is corrupt or not an image ({exc})') from None
    if arr.ndim == 3:
        if arr.shape[2] == 4:
            arr = arr[..., :3]
        spread = arr.max(axis=2).astype(np.int32) - arr.min(axis=2)
        if spread.max(initial=0) > GREY_CHANNEL_TOLERANCE:
            raise DataError(f'label {path} has colour pixels (channels differ by '
                            f'up to {int(spread.max())}); expected a grey label image')
        arr = arr[..., 0]
    if arr.ndim != 2:
        raise DataError(f'label {path} has shape {arr.shape}; expected (H, W) or (H, W, 3)')
    return arr


def _check_grey_levels(arr: np.ndarray, path: str) -> None:
    """Grey levels are 8-bit: a 16-bit or float label with other values is an error
    (it would otherwise be thresholded into the top class)."""
    if arr.dtype == np.uint8:
        return
    if arr.dtype.kind not in 'ui':
        raise DataError(f'label {path} has {arr.dtype} pixels; expected 8-bit grey levels')
    low, high = int(arr.min(initial=0)), int(arr.max(initial=0))
    if low < GREY_LEVEL_RANGE[0] or high > GREY_LEVEL_RANGE[1]:
        bad = high if high > GREY_LEVEL_RANGE[1] else low
        raise DataError(f'label {path} has grey level {bad} outside '
                        f'{GREY_LEVEL_RANGE[0]}..{GREY_LEVEL_RANGE[1]} (dtype {arr.dtype}); '
                        'expected an 8-bit grey label image')


def decode_label_file(path: str,
                      label_format: str,
                      num_classes: int,
                      class_names: Optional[Sequence[str]] = None,
                      grey_thresholds: Sequence[int] = (64, 192),
                      ignore_index: int = 255,
                      shape: Optional[tuple[int, int]] = None) -> np.ndarray:
    """Read one label file as an ``(H, W)`` uint8 class-id map.

    Args:
        path: the label file (PNG/TIFF, or VOC XML for ``'voc_xml'``).
        label_format: one of :data:`LABEL_FORMATS`.
        num_classes: C, classes including background; ids must be ``< C`` (or
            ``ignore_index``) for ``'index'``.
        class_names: class names (index = id), needed by ``'voc_xml'``.
        grey_thresholds: ascending level thresholds for ``'grey_levels'``.
        ignore_index: the one value allowed outside ``[0, C)``.
        shape: expected ``(H, W)`` (the image's); a different label size raises.
            Required by ``'voc_xml'`` when the XML has no ``<size>``.

    Raises:
        DataError: missing/corrupt file, wrong size, values outside the class set,
            malformed XML.
    """
    if label_format == 'voc_xml':
        from .voc_xml import parse_voc_xml, rasterize_objects
        if class_names is None:
            raise ValueError("decode_label_file: 'voc_xml' needs class_names")
        ann = parse_voc_xml(path)
        size = ann.checked_shape(shape)
        semantic, _ = rasterize_objects(ann.objects, size, class_names, path)
        return semantic
    if label_format not in LABEL_FORMATS:
        raise ValueError(f'unknown label_format {label_format!r}; expected one of '
                         f'{LABEL_FORMATS}')
    arr = _read_label_array(path)
    if shape is not None and tuple(arr.shape) != tuple(shape):
        raise DataError(f'label {path} is {arr.shape[0]}x{arr.shape[1]} but its image is '
                        f'{shape[0]}x{shape[1]}')
    if label_format == 'grey_levels':
        thresholds = np.asarray(grey_thresholds)
        if len(thresholds) != num_classes - 1 or np.any(np.diff(thresholds) <= 0):
            raise ValueError(f'grey_thresholds {tuple(grey_thresholds)} must be '
                             f'{num_classes - 1} ascending values')
        _check_grey_levels(arr, path)
        return np.searchsorted(thresholds, arr, side='right').astype(np.uint8)
    bad = ((arr < 0) | (arr >= num_classes)) & (arr != ignore_index)
    if bad.any():
        values = np.unique(arr[bad])[:5].tolist()
        raise DataError(f'label {path} has values {values} outside the class set '
                        f'0..{num_classes - 1} (ignore {ignore_index})')
    return arr.astype(np.uint8)
