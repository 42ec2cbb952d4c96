"""Per-frame Pascal-VOC XML with polygon masks, as the IPSC release ships them.

One file per frame (``<sequence>/annotations/imageNNN.xml``)::

    <annotation>
      <filename>image146.jpg</filename>
      <size><width>W</width><height>H</height><depth>3</depth></size>
      <object>
        <name>ipsc</name>            <!-- class name: ipsc | diff -->
        <id_number>3</id_number>     <!-- track id, stable across frames -->
        <bndbox><xmin/>..</bndbox>   <!-- ignored when reading -->
        <mask>x,y,f; x,y,f; ...</mask>  <!-- polygon, f is a per-point flag -->
      </object>
      ...
    </annotation>

Objects are painted in file order (a later object overwrites an earlier one).
Pure numpy + OpenCV.
"""
from __future__ import annotations

import math
import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Mapping, Optional, Sequence, Union

import cv2
import numpy as np

from .errors import DataError
from .splits import require_file


@dataclass(frozen=True)
class VocObject:
    """One annotated object: class name, track id and polygon ``(K, 2)`` (x, y)."""

    name: str
    instance_id: int
    polygon: np.ndarray


@dataclass(frozen=True)
class VocAnnotation:
    """A parsed XML file; ``height``/``width`` are None when ``<size>`` is absent."""

    path: str
    filename: str
    height: Optional[int]
    width: Optional[int]
    objects: tuple[VocObject, ...]

    def checked_shape(self, shape: Optional[tuple[int, int]]) -> tuple[int, int]:
        """The raster size: ``shape`` (the image's) checked against ``<size>``."""
        declared = (self.height, self.width) if self.height and self.width else None
        if shape is None:
            if declared is None:
                raise DataError(f'annotation {self.path} has no <size> and no image '
                                'size was given')
            return declared
        if declared is not None and tuple(declared) != tuple(shape):
            raise DataError(f'annotation {self.path} declares size {declared[0]}x'
                            f'{declared[1]} but its image is {shape[0]}x{shape[1]}')
        return int(shape[0]), int(shape[1])


def parse_polygon(text: Optional[str], path: str, index: int) -> np.ndarray:
    """Parse ``"x,y,f; x,y,f; ..."`` (the flag is optional) to ``(K, 2)`` float64.

    Raises:
        DataError: empty text, a point that is not 2-3 numbers, non-finite
            values, or fewer than 3 points.
    """
    where = f'annotation {path} object {index}'
    if text is None or not text.strip():
        raise DataError(f'{where} has an empty <mask> polygon')
    points = []
    for chunk in text.replace('\n', ' ').split(';'):
        chunk = chunk.strip()
        if not chunk:
            continue
        fields = [f.strip() for f in chunk.split(',')]
        if len(fields) not in (2, 3):
            raise DataError(f'{where} has a malformed polygon point {chunk!r} '
                            '(expected "x,y,f")')
        try:
            x, y = float(fields[0]), float(fields[1])
        except ValueError:
            raise DataError(f'{where} has a non-numeric polygon point {chunk!r}') from None
        if not (math.isfinite(x) and math.isfinite(y)):
            raise DataError(f'{where} has a non-finite polygon point {chunk!r}')
        points.append((x, y))
    if len(points) < 3:
        raise DataError(f'{where} polygon has {len(points)} points; need at least 3')
    return np.asarray(points, dtype=np.float64)


def _int_field(node: ET.Element, tag: str, path: str, where: str) -> Optional[int]:
    child = node.find(tag)
    if child is None or child.text is None or not child.text.strip():
        return None
    try:
        return int(float(child.text))
    except ValueError:
        raise DataError(f'annotation {path} {where}<{tag}> is not a number: '
                        f'{child.text.strip()!r}') from None


def parse_voc_xml(path: str) -> VocAnnotation:
    """Parse one per-frame XML file.

    Raises:
        DataError: missing file, XML syntax error, object without name, track id
            or polygon, malformed polygon.
    """
    require_file(path, 'annotation')
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise DataError(f'annotation {path} is not valid XML ({exc})') from None
    size = root.find('size')
    height = width = None
    if size is not None:
        height = _int_field(size, 'height', path, '<size>')
        width = _int_field(size, 'width', path, '<size>')
    objects = []
    for index, node in enumerate(root.findall('object')):
        name = (node.findtext('name') or '').strip()
        if not name:
            raise DataError(f'annotation {path} object {index} has no <name>')
        track = _int_field(node, 'id_number', path, f'object {index} ')
        if track is None:
            raise DataError(f'annotation {path} object {index} has no <id_number>')
        polygon = parse_polygon(node.findtext('mask'), path, index)
        objects.append(VocObject(name, track, polygon))
    return VocAnnotation(path, (root.findtext('filename') or '').strip(), height,
                         width, tuple(objects))


def rasterize_objects(objects: Sequence[VocObject],
                      shape: tuple[int, int],
                      class_names: Union[Sequence[str], Mapping[str, int]],
                      path: str = '<memory>') -> tuple[np.ndarray, np.ndarray]:
    """Paint polygons into a semantic and an instance map.

    Args:
        objects: objects in painting order.
        shape: ``(H, W)`` of the maps.
        class_names: names indexed by class id (``class_names[0]`` is background)
            or a name -> id mapping.
        path: the source file, for error messages.

    Returns:
        ``semantic`` (H, W) uint8 class ids, ``instance`` (H, W) int32 track ids
        (0 = no object).

    Raises:
        DataError: an object's class name is not in ``class_names``.
    """
    ids = (dict(class_names) if isinstance(class_names, Mapping) else
           {name: i for i, name in enumerate(class_names)})
    semantic = np.zeros(shape, dtype=np.uint8)
    instance = np.zeros(shape, dtype=np.int32)
    for index, obj in enumerate(objects):
        class_id = ids.get(obj.name)
        if class_id is None or class_id == 0:
            known = [n for n, i in ids.items() if i != 0]
            raise DataError(f'annotation {path} object {index} has class '
                            f'{obj.name!r}; expected one of {known}')
        pts = [np.round(obj.polygon).astype(np.int32).reshape(-1, 1, 2)]
        cv2.fillPoly(semantic, pts, int(class_id))
        cv2.fillPoly(instance, pts, int(obj.instance_id))
    return semantic, instance


def format_polygon(polygon: np.ndarray, flag: int = 1) -> str:
    """Format ``(K, 2)`` points as ``"x,y,f; x,y,f; ..."`` (2 decimals)."""
    return '; '.join(f'{x:.2f},{y:.2f},{flag}' for x, y in polygon)


def write_voc_xml(path: str, filename: str, shape: tuple[int, int],
                  objects: Sequence[VocObject]) -> None:
    """Write one per-frame XML file in the IPSC release layout."""
    root = ET.Element('annotation')
    ET.SubElement(root, 'filename').text = filename
    size = ET.SubElement(root, 'size')
    ET.SubElement(size, 'width').text = str(shape[1])
    ET.SubElement(size, 'height').text = str(shape[0])
    ET.SubElement(size, 'depth').text = '3'
    for obj in objects:
        node = ET.SubElement(root, 'object')
        ET.SubElement(node, 'name').text = obj.name
        ET.SubElement(node, 'id_number').text = str(obj.instance_id)
        box = ET.SubElement(node, 'bndbox')
        lo = np.floor(obj.polygon.min(axis=0)).astype(int)
        hi = np.ceil(obj.polygon.max(axis=0)).astype(int)
        for tag, value in zip(('xmin', 'ymin', 'xmax', 'ymax'), (*lo, *hi)):
            ET.SubElement(box, tag).text = str(int(value))
        ET.SubElement(node, 'mask').text = format_polygon(obj.polygon)
    ET.indent(root)
    os.makedirs(os.path.dirname(path) or '.', exist_ok=True)
    ET.ElementTree(root).write(path, encoding='utf-8', xml_declaration=True)
