"""Byte-level integrity of image files, without decoding pixels.

OpenCV (what mmcv's ``LoadImageFromFile`` uses) decodes a truncated or damaged JPEG or
PNG to an image with grey or garbled regions and no error. :func:`check_intact` reads
the structure each format carries and raises a one-line
:class:`~rleseg.datasets.errors.DataError` naming the file where it is broken:

* **PNG**: every chunk's CRC-32 (which covers the compressed pixel data) and the
  final ``IEND`` chunk; any changed byte is caught.
* **JPEG**: the marker structure from ``SOI`` to ``EOI``. Inside entropy-coded scan
  data a ``0xFF`` byte may only be followed by ``0x00`` or a restart marker, so
  truncation and overwritten blocks (random bytes contain such pairs) are caught;
  JPEG has no checksum, so a change that keeps the marker structure valid is not.
* **TIFF**: every strip / tile lies inside the file (truncation). Uncompressed TIFF
  has no checksum; overwritten pixel bytes are not detectable from the file alone.

Other formats pass unchecked. Pure numpy + Pillow; no OpenMMLab imports.
"""
from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from PIL import Image, UnidentifiedImageError

from .errors import DataError

PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'
#: JPEG markers without a length field (SOI, EOI, RST0-7, TEM).
_STANDALONE = {0xD8, 0xD9, 0x01} | set(range(0xD0, 0xD8))
#: Markers that may follow scan data: DHT, DQT, DRI, SOS, DNL, EOI, COM, APPn.
_AFTER_SCAN = {0xC4, 0xDB, 0xDD, 0xDA, 0xDC, 0xD9, 0xFE} | set(range(0xE0, 0xF0))
#: TIFF tags (offsets, byte counts) of strips and of tiles.
_TIFF_BLOCKS = ((273, 279), (324, 325))


def check_intact(data: np.ndarray, path: str, what: str = 'image') -> None:
    """Raise DataError if ``data`` (the file's bytes, uint8 (N,)) is visibly damaged.

    Args:
        data: the whole file as a uint8 array.
        path: the file, for the message.
        what: ``'image'``, ``'label'``, ... for the message.
    """
    head = data[:8].tobytes()
    if head == PNG_SIGNATURE:
        problem = _png_problem(data.tobytes())
    elif head[:2] == b'\xff\xd8':
        problem = _jpeg_problem(data)
    elif head[:4] in (b'II*\x00', b'MM\x00*'):
        problem = _tiff_problem(data)
    else:
        problem = None
    if problem:
        raise DataError(f'{what} {path} is damaged ({problem}); restore it from the '
                        'release or drop it from the split file')


def _png_problem(buf: bytes) -> str | None:
    pos, end = 8, len(buf)
    while pos + 12 <= end:
        length, = struct.unpack('>I', buf[pos:pos + 4])
        kind = buf[pos + 4:pos + 8]
        if pos + 12 + length > end:
            return f'truncated inside chunk {kind!r} at byte {pos}'
        body = buf[pos + 4:pos + 8 + length]
        crc, = struct.unpack('>I', buf[pos + 8 + length:pos + 12 + length])
        if zlib.crc32(body) != crc:
            return f'CRC mismatch in chunk {kind!r} at byte {pos}'
        if kind == b'IEND':
            return None
        pos += 12 + length
    return 'truncated: no IEND chunk'


def _jpeg_problem(data: np.ndarray) -> str | None:
    end = len(data)
    pos, scanned = 2, False
    while True:
        while pos < end and data[pos] == 0xFF and pos + 1 < end and data[pos + 1] == 0xFF:
            pos += 1                                     # fill bytes before a marker
        if pos + 2 > end:
            return 'truncated: no EOI marker'
        if data[pos] != 0xFF:
            return f'expected a marker at byte {pos}'
        marker = int(data[pos + 1])
        if scanned and marker not in _AFTER_SCAN:
            return f'invalid marker 0xFF{marker:02X} in the image data at byte {pos}'
        if marker == 0xD9:
            return None
        if marker in _STANDALONE:
            pos += 2
            continue
        if pos + 4 > end:
            return 'truncated inside a segment header'
        length = (int(data[pos + 2]) << 8) | int(data[pos + 3])
        if length < 2 or pos + 2 + length > end:
            return f'truncated or broken segment 0xFF{marker:02X} at byte {pos}'
        pos += 2 + length
        if marker == 0xDA:                               # SOS: entropy-coded data follows
            pos, scanned = _scan_end(data, pos), True
            if pos < 0:
                return 'truncated inside the scan data'


def _scan_end(data: np.ndarray, start: int) -> int:
    """Position of the first marker after entropy-coded data, or -1 if none."""
    ff = np.flatnonzero(data[start:-1] == 0xFF) + start
    nxt = data[ff + 1]
    is_marker = (nxt != 0x00) & (nxt != 0xFF) & ((nxt < 0xD0) | (nxt > 0xD7))
    hits = ff[is_marker]
    return int(hits[0]) if len(hits) else -1


def _tiff_problem(data: np.ndarray) -> str | None:
    try:
        with Image.open(io.BytesIO(data.tobytes())) as im:
            tags = im.tag_v2
            for off_tag, count_tag in _TIFF_BLOCKS:
                offsets, counts = tags.get(off_tag), tags.get(count_tag)
                if offsets is None or counts is None:
                    continue
                ends = np.asarray(offsets, np.int64) + np.asarray(counts, np.int64)
                if len(ends) and int(ends.max()) > len(data):
                    return (f'truncated: pixel data ends at byte {int(ends.max())}, '
                            f'file has {len(data)}')
    except UnidentifiedImageError:
        return 'unreadable TIFF structure (truncated?)'
    except (OSError, SyntaxError, ValueError) as exc:
        return f'unreadable TIFF structure: {exc}'
    return None
