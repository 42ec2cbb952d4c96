"""Dataset layouts and split files.

A split file is plain text under ``<data_root>/splits/``, one item per line
(``#`` starts a comment). Every config of a dataset reads the same files, so all
models (UNet, DeepLabV3+, Mask2Former, Pix2Seq) see identical item lists.

* IPSC item: ``<sequence>/<frame stem>``, e.g. ``roi_1_2_3_4/image146``.
  Frames are indexed by their *sorted* position within the sequence (raw frame
  numbers have gaps); splits are half-open ranges of that index, the same for
  every sequence: the paper's test 0-15 and late-stage train 54-126; validation
  16-27, carved out of the start of the paper's early-stage range, which keeps
  28-53 (paper 16-53).
* ARIS item: ``img_N``; images are sorted numerically (``img_2`` before
  ``img_10``); splits are ranges of that order: the paper's train on the first
  4/8/16/24/32 and test on images 33-50 (sorted positions 32-49); validation =
  images 29-32, so ``train_28`` (the first 28) is the largest training split
  disjoint from it (``train_32`` overlaps it: the paper's protocol had no
  validation split).

Every split is disjoint from ``test`` and ``val`` except ``train_32``.

Pure python; no OpenMMLab imports.
"""
from __future__ import annotations

import os
import re
from typing import Mapping, Optional, Sequence

from .errors import DataError

#: Split of every IPSC sequence, half-open ranges of the sorted frame index: the paper's
#: test and late-stage train, validation from the start of its early-stage range.
IPSC_PAPER_SPLITS: dict[str, tuple[int, int]] = {
    'test': (0, 16), 'val': (16, 28), 'train_early': (28, 54), 'train_late': (54, 127)}
#: Frames per real IPSC sequence.
IPSC_FRAMES_PER_SEQUENCE = 127
#: Split of ARIS, half-open ranges of the numerically sorted image list: the paper's
#: train_N and test, validation = images 29-32 (``train_28`` is disjoint from it).
ARIS_PAPER_SPLITS: dict[str, tuple[int, int]] = {
    **{f'train_{n}': (0, n) for n in (4, 8, 16, 24, 28, 32)}, 'val': (28, 32),
    'test': (32, 50)}

IPSC_SEQUENCE_PATTERN = re.compile(r'^(all_frames_)?roi_\d+_\d+_\d+_\d+$')
IPSC_LAYOUT = ('<root>/<roi_x1_y1_x2_y2>/imageNNN.jpg with masks/imageNNN.png '
               'or annotations/imageNNN.xml, split files <root>/splits/*.txt')
ARIS_LAYOUT = ('<root>/images/img_N.tif and <root>/labels/img_N.tif (N = 1..50), '
               'split files <root>/splits/*.txt')
IPSC_RELEASE = ('The IPSC release is published on Hugging Face, repository '
                'abhineet123/ipsc_prediction, file ipsc_data/roi_images_and_labels.zip; '
                'without it, the configs/*_ipsc_tiny.py configs (e.g. '
                'configs/p2s_rle_ipsc_tiny.py) run on the demo data written by: '
                'python tools/prepare_data.py')
ARIS_RELEASE = ('The ARIS release is published on IEEE DataPort, DOI 10.21227/ebax-1h44; '
                'without it, the configs/*_aris_tiny.py configs (e.g. '
                'configs/p2s_rle_aris_tiny.py) run on the demo data written by: '
                'python tools/prepare_data.py')
SPLIT_HINT = 'write it with: python tools/prepare_data.py splits {dataset} --root {root}'


def natural_key(name: str) -> tuple:
    """Sort key that orders embedded integers numerically (``img_2 < img_10``)."""
    return tuple(int(t) if t.isdigit() else t for t in re.split(r'(\d+)', name))


def require_file(path: str, what: str) -> None:
    """Raise a one-line DataError unless ``path`` is a regular file.

    The message tells a missing path from a directory (or other non-file) in its place.
    """
    if os.path.isfile(path):
        return
    if os.path.isdir(path):
        raise DataError(f'{what} {path} is a directory, not a file')
    if os.path.lexists(path):
        raise DataError(f'{what} {path} is not a regular file (or a broken link)')
    raise DataError(f'{what} {path} does not exist')


def require_root(root: Optional[str], dataset: str, layout: str, hint: str = '') -> str:
    """Return ``root`` or raise a one-line DataError naming the expected layout.

    Args:
        hint: appended to the message (where the release is published, ...).
    """
    if root is not None and os.path.isdir(root):
        return root
    state = ('is a file, not a directory' if root is not None and os.path.exists(root)
             else 'does not exist')
    raise DataError(f'{dataset} data_root {root!r} {state}; expected {layout}'
                    + (f'. {hint}' if hint else ''))


def list_stems(folder: str, suffix: str) -> list[str]:
    """File stems in ``folder`` with ``suffix``, in natural order."""
    if not os.path.isdir(folder):
        return []
    stems = [f[:-len(suffix)] for f in os.listdir(folder)
             if f.endswith(suffix) and os.path.isfile(os.path.join(folder, f))]
    return sorted(stems, key=natural_key)


def list_ipsc_sequences(root: str) -> list[str]:
    """Sequence folders (``roi_x1_y1_x2_y2`` / ``all_frames_roi_...``), sorted."""
    require_root(root, 'IPSC', IPSC_LAYOUT, IPSC_RELEASE)
    seqs = [d for d in os.listdir(root) if IPSC_SEQUENCE_PATTERN.match(d)
            and os.path.isdir(os.path.join(root, d))]
    if not seqs:
        raise DataError(f'IPSC root {root} has no sequence folders; expected {IPSC_LAYOUT}')
    return sorted(seqs, key=natural_key)


def list_ipsc_frames(root: str, sequence: str, img_suffix: str = '.jpg') -> list[str]:
    """Frame stems of one sequence in sorted (index) order."""
    return list_stems(os.path.join(root, sequence), img_suffix)


def _take(items: Sequence[str], ranges: Mapping[str, tuple[int, int]],
          where: str) -> dict[str, list[str]]:
    out = {}
    for name, (lo, hi) in ranges.items():
        if hi > len(items):
            raise DataError(f'{where} has {len(items)} items; split {name!r} needs '
                            f'index range [{lo}, {hi})')
        out[name] = list(items[lo:hi])
    return out


def ipsc_split_items(root: str,
                     ranges: Mapping[str, tuple[int, int]] = IPSC_PAPER_SPLITS,
                     img_suffix: str = '.jpg') -> dict[str, list[str]]:
    """Items ``<sequence>/<stem>`` of every split, sequences in sorted order."""
    out: dict[str, list[str]] = {name: [] for name in ranges}
    for seq in list_ipsc_sequences(root):
        frames = list_ipsc_frames(root, seq, img_suffix)
        for name, stems in _take(frames, ranges,
                                 f'IPSC sequence {os.path.join(root, seq)}').items():
            out[name] += [f'{seq}/{s}' for s in stems]
    return out


def aris_split_items(root: str,
                     ranges: Mapping[str, tuple[int, int]] = ARIS_PAPER_SPLITS,
                     img_suffix: str = '.tif') -> dict[str, list[str]]:
    """Items ``img_N`` of every split, images in numeric order."""
    require_root(root, 'ARIS', ARIS_LAYOUT, ARIS_RELEASE)
    images = list_stems(os.path.join(root, 'images'), img_suffix)
    if not images:
        raise DataError(f'ARIS root {root} has no images/*{img_suffix}; expected '
                        f'{ARIS_LAYOUT}')
    return _take(images, ranges, f'ARIS folder {os.path.join(root, "images")}')


#: Longest split-file item accepted (a file stem; PATH_MAX is 4096 on Linux).
MAX_ITEM_CHARS = 1024
#: Characters of an item (or line) quoted in a message.
QUOTE_CHARS = 80


def shorten(text: str, limit: int = QUOTE_CHARS) -> str:
    """``text`` cut to ``limit`` characters with its full length named, for messages."""
    return text if len(text) <= limit else f'{text[:limit]}... ({len(text)} characters)'


def _item_problem(item: str) -> Optional[str]:
    """Why a split-file item cannot name a file under ``data_root`` (None if it can)."""
    if len(item) > MAX_ITEM_CHARS:
        return f'is {len(item)} characters long (at most {MAX_ITEM_CHARS}: one stem a line)'
    parts = re.split(r'[\\/]', item)
    if os.path.isabs(item) or item.startswith(('/', '\\', '~')) or '..' in parts:
        return ('points outside data_root (absolute path, ~ or ..); items are paths '
                'relative to the dataset folder')
    return None


def read_split_file(path: str, dataset: str = 'dataset', root: str = '<root>') -> list[str]:
    """Items of a split file (blank lines and ``#`` comments skipped).

    Raises:
        DataError: the file is missing, not UTF-8 text, lists no item, lists an item
            twice (it would be trained on or scored twice), an item that points
            outside ``data_root`` (absolute, ``~``, ``..``) or one longer than
            :data:`MAX_ITEM_CHARS`; messages quote at most :data:`QUOTE_CHARS`
            characters of an item.
    """
    if not os.path.exists(path):
        hint = SPLIT_HINT.format(dataset=dataset.lower(), root=root)
        raise DataError(f'split file {path} does not exist; {hint}')
    require_file(path, 'split file')
    with open(path, 'rb') as f:
        data = f.read()
    try:
        text = data.decode('utf-8')
    except UnicodeDecodeError as exc:
        line = data.count(b'\n', 0, exc.start) + 1
        raise DataError(f'split file {path} is not UTF-8 text (line {line}, byte '
                        f'{exc.start}: {data[exc.start:exc.start + 1]!r}); save it as '
                        'UTF-8') from None
    items: list[str] = []
    first_line: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        item = line.split('#', 1)[0].strip()
        if not item:
            continue
        problem = _item_problem(item)
        if problem:
            raise DataError(f'split file {path} line {number}: item {shorten(item)!r} '
                            f'{problem}')
        if item in first_line:
            raise DataError(f'split file {path} lists item {shorten(item)!r} twice (lines '
                            f'{first_line[item]} and {number}); list each item once')
        first_line[item] = number
        items.append(item)
    if not items:
        raise DataError(f'split file {path} lists no items')
    return items


def write_split_files(root: str, splits: Mapping[str, Sequence[str]],
                      subdir: str = 'splits', overwrite: bool = False) -> list[str]:
    """Write ``<root>/<subdir>/<name>.txt`` for every split.

    Split files are written once: an existing file with different content is
    an error unless ``overwrite`` (identical content is left untouched).

    Returns:
        The paths of the split files.
    """
    folder = os.path.join(root, subdir)
    os.makedirs(folder, exist_ok=True)
    paths = []
    for name, items in splits.items():
        path = os.path.join(folder, f'{name}.txt')
        text = ''.join(f'{item}\n' for item in items)
        if os.path.isfile(path) and not overwrite:
            with open(path, encoding='utf-8') as f:
                if f.read() != text:
                    raise DataError(f'split file {path} exists with different items; '
                                    'pass overwrite=True (--overwrite) to replace it')
        else:
            with open(path, 'w', encoding='utf-8') as f:
                f.write(text)
        paths.append(path)
    return paths
