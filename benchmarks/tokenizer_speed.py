"""Tokenizer speed: rleseg's RLE encode/decode vs pycocotools vs the np.copy floor.

For each case (mask size x number of classes, masks made of random disks) it times, in one
process and interleaved round by round:

* ``ours encode``    class map -> token sequence (``tok.encode``; L = tokens needed, so
                     nothing is truncated and every run is encoded, as pycocotools does)
* ``coco encode``    pycocotools ``encode`` of the per-class binary masks (prebuilt,
                     Fortran order: pycocotools' own input format; the strictest baseline)
* ``coco encode+bin`` the same, including building the binary masks from the class map
* ``ours decode``    token sequence -> class map (``tok.decode``)
* ``coco decode``    pycocotools ``decode`` of the per-class RLEs -> binary masks
* ``coco decode+merge`` the same, merged into one class map
* ``np.copy``        a copy of the class map: the memory-bandwidth floor

Reported: median (and minimum) microseconds per call over rounds, one call per sample,
``speed-up vs coco`` = coco time / our time (>= 1: we are at least as fast) and
``x floor`` = our time / np.copy time.

Usage::

    python benchmarks/tokenizer_speed.py [--rounds 40] [--out benchmarks/results/tokenizer_speed.md]
"""
from __future__ import annotations

import argparse
import gc
from importlib import metadata
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Dict, List

import numpy as np
import pycocotools.mask as mask_utils

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from rleseg.tokenizers import build_tokenizer  # noqa: E402

# (S, classes incl. background, disks per mask, masks per call)
CASES = [(1024, 2, 60, 1), (1024, 3, 60, 1), (80, 2, 6, 1), (80, 3, 6, 1),
         (80, 2, 6, 64), (80, 3, 6, 64)]


def make_mask(size: int, num_classes: int, blobs: int, seed: int = 0) -> np.ndarray:
    """(size, size) uint8 class map of random disks (radius 1-6 % of the side)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size]
    mask = np.zeros((size, size), np.uint8)
    for _ in range(blobs):
        cy, cx = rng.integers(0, size, 2)
        r = rng.uniform(0.01, 0.06) * size + 1
        mask[(yy - cy) ** 2 + (xx - cx) ** 2 < r * r] = rng.integers(1, num_classes)
    return mask


def cpu_model() -> str:
    try:
        for line in Path('/proc/cpuinfo').read_text().splitlines():
            if line.startswith('model name'):
                return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or 'unknown'


def time_rounds(funcs: Dict[str, Callable[[], object]], rounds: int,
                inner: int = 1) -> Dict[str, Dict[str, float]]:
    """Median and minimum over rounds of the mean time per call (us); functions are
    interleaved round by round so that load changes hit all of them alike."""
    samples: Dict[str, List[float]] = {k: [] for k in funcs}
    for f in funcs.values():  # warm-up
        f()
    gc.disable()
    try:
        for _ in range(rounds):
            for name, f in funcs.items():
                t0 = time.perf_counter()
                for _ in range(inner):
                    f()
                samples[name].append((time.perf_counter() - t0) / inner * 1e6)
    finally:
        gc.enable()
    return {k: dict(median=float(np.median(v)), min=float(np.min(v)))
            for k, v in samples.items()}


def run_case(size: int, num_classes: int, blobs: int, batch: int,
             rounds: int) -> Dict[str, object]:
    masks = np.stack([make_mask(size, num_classes, blobs, seed) for seed in range(batch)])
    classes = np.arange(1, num_classes, dtype=np.uint8)
    scheme = 'bin' if num_classes == 2 else 'mc'
    probe = build_tokenizer(dict(scheme=scheme, mask_size=size, num_classes=num_classes))
    needed = max(probe.count_tokens(m) for m in masks)
    tok = build_tokenizer(dict(scheme=scheme, mask_size=size, num_classes=num_classes,
                               max_seq_len=needed))
    enc = tok.encode_batch(masks)
    assert enc.num_truncated_runs.sum() == 0
    tokens = enc.tokens

    def binarise():  # (S, S, B*(C-1)) Fortran: pycocotools' input format
        return np.asfortranarray(
            (masks.transpose(1, 2, 0)[:, :, :, None] == classes).reshape(size, size, -1)
            .astype(np.uint8))

    def coco_merge():
        dec = mask_utils.decode(rles).reshape(size, size, batch, len(classes))
        return (dec * classes).max(axis=-1)

    bins = binarise()
    rles = mask_utils.encode(bins)
    # the work is the same: both round-trip exactly
    assert all(np.array_equal(m, d) for m, (d, _) in zip(masks, tok.decode_batch(tokens)))
    assert np.array_equal(mask_utils.decode(rles), bins)
    assert np.array_equal(coco_merge().transpose(2, 0, 1), masks)

    if batch == 1:
        ours_enc, ours_dec = (lambda: tok.encode(masks[0])), (lambda: tok.decode(tokens[0]))
    else:
        ours_enc, ours_dec = (lambda: tok.encode_batch(masks)), \
            (lambda: tok.decode_batch(tokens))
    funcs = {
        'ours encode': ours_enc,
        'coco encode': lambda: mask_utils.encode(bins),
        'coco encode+bin': lambda: mask_utils.encode(binarise()),
        'ours decode': ours_dec,
        'coco decode': lambda: mask_utils.decode(rles),
        'coco decode+merge': coco_merge,
        'np.copy': lambda: np.copy(masks),
    }
    # one call per sample: on a loaded machine long samples (many calls) are preempted
    # more often, which biases medians against the slower function; small cases get more
    # rounds instead
    t = time_rounds(funcs, rounds if size * size * batch >= 2 ** 18 else 5 * rounds, 1)
    return dict(size=size, classes=num_classes, batch=batch, scheme=scheme,
                runs=int(enc.num_runs.sum()), tokens=int(enc.num_tokens.sum()), times=t)


def render(results: List[Dict[str, object]], rounds: int) -> str:
    head = ('| masks per call | scheme | runs | tokens | ours enc | coco enc | coco enc+bin | '
            'ours dec | coco dec | coco dec+merge | np.copy | enc speed-up vs coco '
            '(median / min) | dec speed-up vs coco (median / min) | enc x floor | '
            'dec x floor |')
    lines = [head, '|' + '---|' * (head.count('|') - 1)]
    for r in results:
        t = r['times']
        med = {k: v['median'] for k, v in t.items()}

        def ratio(base, ours):
            return (f"{t[base]['median'] / t[ours]['median']:.2f} / "
                    f"{t[base]['min'] / t[ours]['min']:.2f}")
        lines.append(
            f"| {r['batch']} x {r['size']}x{r['size']}, C={r['classes']} | {r['scheme']} | "
            f"{r['runs']} | {r['tokens']} | {med['ours encode']:.1f} | "
            f"{med['coco encode']:.1f} | {med['coco encode+bin']:.1f} | "
            f"{med['ours decode']:.1f} | {med['coco decode']:.1f} | "
            f"{med['coco decode+merge']:.1f} | {med['np.copy']:.1f} | "
            f"{ratio('coco encode', 'ours encode')} | {ratio('coco decode', 'ours decode')} | "
            f"{med['ours encode'] / med['np.copy']:.0f} | "
            f"{med['ours decode'] / med['np.copy']:.0f} |")
    lines.append('')
    lines.append(f'Times: median microseconds per call (one call handles all masks of the '
                 f'row) over {rounds} interleaved rounds ({5 * rounds} for the cases under '
                 '2^18 pixels), one call per sample. Speed-up = pycocotools time / our '
                 'time on the same masks (>= 1: ours is at least as fast), from medians and '
                 'from minima (the least-disturbed round); encode is compared with '
                 'pycocotools on prebuilt binary masks, decode with its raw binary output. '
                 'x floor = our median / np.copy median of the class map(s).')
    return '\n'.join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--rounds', type=int, default=40, help='timing rounds per case')
    parser.add_argument('--out', type=Path, default=None,
                        help='also write a markdown report (machine, command, table) here')
    args = parser.parse_args()
    results = [run_case(s, c, b, n, args.rounds) for s, c, b, n in CASES]
    table = render(results, args.rounds)
    print(table)
    if args.out is not None:
        meta = (f'# Tokenizer speed\n\n'
                f'- machine: {cpu_model()} ({platform.machine()}, shared 2-core VM; other '
                'jobs were running, so absolute times are noisy; ratios are measured in '
                'the same process, interleaved)\n'
                f'- python {platform.python_version()}, numpy {np.__version__}, '
                f'pycocotools {metadata.version("pycocotools")}\n'
                f'- date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}\n'
                f'- command: `python {" ".join(sys.argv)}`\n\n')
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(meta + table + '\n')


if __name__ == '__main__':
    main()
