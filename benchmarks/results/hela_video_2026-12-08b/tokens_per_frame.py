"""Ground-truth tokens per frame of the window schemes against the window length N, and
their token ceiling, on a split of the real HeLa time-lapse (issue 27, claim (a)).

    python benchmarks/results/hela_video_2026-12-08b/tokens_per_frame.py [--split test]

For every scheme (``tac``, ``ltac``, ``3d-lac``) and N in 1, 2, 4, 8: the split's windows
as the shipped video configs cut them (stride N, the last window of a sequence aligned
to its end, so every frame is in one window at least), each window's ground truth
tokenized by the tokenizer of ``configs/p2s_rle_hela_video_tiny.py`` (S = 16, majority x4
subsampling, bilinear upsampling, flat starts) with only the scheme and N changed and L
large enough for every window (untruncated). Printed per row: tokens per frame (mean
over windows of tokens / N), the longest window, the share of windows longer than the
shipped L = 256, and the oracle ceiling (m* foreground Dice, %, every frame of every
window decoded and upsampled; frames in two windows counted in both). The image
model's ``lac`` tokens per frame (``configs/p2s_rle_hela_tiny.py``'s tokenizer on single
frames) are the reference row.
"""
import argparse
import copy

import numpy as np
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS

import rleseg  # noqa: F401  (registers rleseg's modules)
from rleseg.benchmark.derive import ceiling_mdice
from rleseg.engine import load_config
from rleseg.tokenizers import build_tokenizer

SCHEMES = ('tac', 'ltac', '3d-lac')
WINDOWS = (1, 2, 4, 8)
SHIPPED_L = 256


def window_masks(cfg, split: str, window: int):
    """Ground-truth windows (N, H, W) of ``split`` cut like the shipped configs."""
    dataset = copy.deepcopy(cfg[f'{split}_dataloader'].dataset)
    dataset.update(window=window, stride=window,
                   pipeline=[dict(type='LoadWindowFrames')])
    built = DATASETS.build(dataset)
    return [built[i]['gt_seg_map'] for i in range(len(built))]


def row(tokenizer, masks, num_classes: int) -> str:
    """Tokens per frame, longest sequence, % longer than the shipped L, and the oracle
    ceiling (:func:`rleseg.benchmark.derive.ceiling_mdice`, frame by frame)."""
    counts = np.asarray([tokenizer.count_tokens(m) for m in masks], np.float64)
    per_frame = counts / tokenizer.window if tokenizer.input_ndim == 3 else counts
    ceiling = ceiling_mdice(tokenizer, masks, num_classes)
    return (f'{per_frame.mean():.1f} | {int(counts.max())} | '
            f'{100.0 * np.mean(counts > SHIPPED_L):.1f} | {ceiling:.1f}')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--split', choices=['val', 'test', 'train'], default='test')
    split = parser.parse_args().split
    init_default_scope('mmseg')
    video = load_config('configs/p2s_rle_hela_video_tiny.py')
    image = load_config('configs/p2s_rle_hela_tiny.py')
    num_classes = video.num_classes
    print(f'HeLa {split} split (data/hela_video), ground truth only\n')
    print('| scheme | N | windows | GT tokens / frame | longest window | windows > L = 256 (%) '
          '| oracle ceiling m* Dice |')
    print('|---|---|---|---|---|---|---|')
    frames = [frame for window in window_masks(video, split, 1) for frame in window]
    image_tok = build_tokenizer(dict(image.model.tokenizer, max_seq_len=4096))
    print(f'| image `lac` (per frame) | 1 | {len(frames)} | {row(image_tok, frames, num_classes)} |')
    windows = {window: window_masks(video, split, window) for window in WINDOWS}
    for scheme in SCHEMES:
        for window, masks in windows.items():
            tokenizer = build_tokenizer(dict(video.model.tokenizer, scheme=scheme,
                                             window=window, max_seq_len=16384))
            print(f'| `{scheme}` | {window} | {len(masks)} | '
                  f'{row(tokenizer, masks, num_classes)} |')


if __name__ == '__main__':
    main()
