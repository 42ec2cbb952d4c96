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

Rules for the inputs real users have:

* **EXIF orientation is ignored for images and labels alike**: pixels are used as
  stored, so an image and its label stay aligned (OpenCV's colour decoding would
  rotate a JPEG by its EXIF tag while no label loader rotates the label).
* **16-bit and float images** (microscopy, remote sensing) become 8-bit by a linear
  rule: with ``intensity_range=(low, high)`` value ``v`` maps to
  ``255 * (v - low) / (high - low)``, clipped to 0..255; without it each image is
  stretched from its own minimum to its own maximum (a constant image becomes 0).
  8-bit images are used unchanged. NaN / inf pixels are an error.
* **JPEG labels are refused**: lossy compression changes label values along class
  boundaries, often to values still inside the class set, so the damage is silent.
* **0 / 255 binary masks**: with the default ``binary_255=None`` a label whose only
  values are 0 and the ignore index 255 is refused with a hint (255 would be
  ignored, leaving no foreground pixel); ``binary_255=True`` reads 255 as class 1,
  ``binary_255=False`` keeps 255 as ignore.
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
#: The first bytes of every JPEG file (SOI marker).
JPEG_SIGNATURE = b'\xff\xd8'

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
        DataError: missing, a directory, visibly damaged (see :func:`check_intact`),
            or a JPEG file read as a ``'label'``.
    """
    require_file(path, what)
    data = np.fromfile(path, dtype=np.uint8)
    check_intact(data, path, what)
    if what == 'label' and data[:2].tobytes() == JPEG_SIGNATURE:
        raise DataError(f'label {path} is a JPEG: lossy compression changes label values '
                        'along class boundaries, often to other valid classes; save '
                        'labels as PNG (lossless)')
    return data


def check_image_file(path: str, what: str = 'image') -> tuple[int, int]:
    """``(height, width)`` of an image file whose bytes pass :func:`check_intact`.

    Reads the whole file once (no pixel decoding): the ``'header'`` item check
    (with ``what='label'`` a JPEG is refused, see :func:`read_bytes`).
    """
    return _header_size(io.BytesIO(read_bytes(path, what).tobytes()), path, what)


def to_uint8(img: np.ndarray, path: str,
             intensity_range: Optional[Sequence[float]] = None) -> np.ndarray:
    """Scale a 16-bit / float image to uint8 by the module's linear rule.

    Args:
        img: ``(H, W)`` or ``(H, W, C)`` pixels of any integer or float dtype.
        path: the file, for the message.
        intensity_range: ``(low, high)`` mapped to 0..255 (clipped); ``None``: the
            image's own minimum..maximum. uint8 input is returned unchanged.

    Raises:
        DataError: NaN / inf pixels.
    """
    if img.dtype == np.uint8:
        return img
    values = img.astype(np.float64)
    if not np.isfinite(values).all():
        raise DataError(f'image {path} has NaN or infinite pixels ({img.dtype})')
    if intensity_range is None:
        low, high = float(values.min(initial=0.0)), float(values.max(initial=0.0))
    else:
        low, high = (float(v) for v in intensity_range)
    if high <= low:
        return np.zeros(img.shape, np.uint8)
    scaled = (values - low) * (255.0 / (high - low))
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)


def decode_image(data: np.ndarray, path: str, what: str = 'image', grayscale: bool = False,
                 intensity_range: Optional[Sequence[float]] = None) -> np.ndarray:
    """Decode image bytes as stored (EXIF orientation ignored) to 8-bit BGR or grey.

    8-bit images decode exactly as OpenCV's ``IMREAD_COLOR`` / ``IMREAD_GRAYSCALE``
    (mmcv's ``LoadImageFromFile``) would without the EXIF rotation; deeper ones keep
    their depth until :func:`to_uint8`.

    Args:
        data: the file's bytes, uint8 ``(N,)``.
        grayscale: return ``(H, W)`` grey instead of ``(H, W, 3)`` BGR.
        intensity_range: see :func:`to_uint8` (16-bit / float images).

    Raises:
        DataError: not decodable, NaN / inf pixels.
    """
    if not data.size:
        raise DataError(f'{what} {path} is empty')
    flags = ((cv2.IMREAD_GRAYSCALE if grayscale else cv2.IMREAD_COLOR)
             | cv2.IMREAD_ANYDEPTH | cv2.IMREAD_IGNORE_ORIENTATION)
    img = cv2.imdecode(data, flags)
    if img is None:     # e.g. a 1-channel float TIFF, which OpenCV converts only as is
        img = _as_channels(cv2.imdecode(data, cv2.IMREAD_UNCHANGED), grayscale)
    if img is None:
        raise DataError(f'{what} {path} is corrupt or not an image')
    return to_uint8(img, path, intensity_range)


def _as_channels(img: Optional[np.ndarray], grayscale: bool) -> Optional[np.ndarray]:
    """An ``IMREAD_UNCHANGED`` decode as ``(H, W)`` grey or ``(H, W, 3)`` BGR (alpha
    dropped); None for None or an unsupported channel count."""
    if img is None or img.ndim not in (2, 3):
        return None
    if img.ndim == 3:
        if img.shape[2] not in (1, 3, 4):
            return None
        img = img[..., 0] if img.shape[2] == 1 else img[..., :3]
    if grayscale:
        return img if img.ndim == 2 else cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    return img if img.ndim == 3 else np.repeat(img[..., None], 3, axis=2)


def read_image(path: str, what: str = 'image', verify: bool = False,
               intensity_range: Optional[Sequence[float]] = None) -> np.ndarray:
    """Decode an image file to a ``(H, W, 3)`` uint8 BGR array (:func:`decode_image`).

    The bytes pass :func:`check_intact` first (OpenCV decodes a truncated or damaged
    JPEG/PNG to partly grey pixels without an error).

    Args:
        verify: also decode with Pillow (a second, independent decoder).
        intensity_range: see :func:`to_uint8`.

    Raises:
        DataError: missing, damaged or corrupt file.
    """
    data = read_bytes(path, what)
    img = decode_image(data, path, what, intensity_range=intensity_range)
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


def _refuse_binary_255(arr: np.ndarray, path: str, num_classes: int) -> None:
    """Raise DataError when ``arr`` holds 255 (the ignore index) and otherwise only 0:
    most likely a binary mask saved as 0 / 255, in which no pixel would count."""
    if arr.dtype != np.uint8 or num_classes < 2:
        return
    counts = np.bincount(arr.ravel(), minlength=256)
    if counts[255] and not counts[1:255].any():
        raise DataError(f'label {path} holds only 0 and 255, and 255 is the ignore index: '
                        'a binary mask saved as 0 / 255 would have no foreground pixel; '
                        'set binary_255=True in the dataset config to read 255 as class '
                        '1, or binary_255=False to keep 255 as ignore')


def decode_label_file(path: str,
                      label_format: str,
                      num_classes: int,
                      class_names: Optional[Sequence[str]] = None,
                      grey_thresholds: Sequence[int] = (64, 192),
                      ignore_index: int = 255,
                      shape: Optional[tuple[int, int]] = None,
                      binary_255: Optional[bool] = None) -> np.ndarray:
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
        binary_255: ``'index'`` labels only: ``True`` reads 255 as class 1 (0 / 255
            binary masks, ``num_classes`` 2), ``False`` keeps it as ``ignore_index``,
            ``None`` refuses a label holding only 0 and 255 (see the module doc).

    Raises:
        DataError: missing/corrupt file, wrong size, values outside the class set,
            malformed XML, a JPEG label, a 0 / 255 label with ``binary_255=None``.
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
    if binary_255:
        if num_classes != 2:
            raise ValueError(f'binary_255=True needs 2 classes, got {num_classes}')
        arr = np.where(arr == 255, 1, arr)
    elif binary_255 is None and ignore_index == 255:
        _refuse_binary_255(arr, path, num_classes)
    bad = ((arr < 0) | (arr >= num_classes)) & (arr != ignore_index)
    if bad.any():
        values = np.unique(arr[bad])[:5].tolist()
        raise DataError(f'label {path} has values {values} outside the class set '
                        f'0..{num_classes - 1} (ignore {ignore_index})')
    return arr.astype(np.uint8)
