"""Training-step cost of attention-probability dropout, against the same model with it.

The tiny token model's ``dropout`` 0.1 used to act on the attention probabilities too;
``attn_dropout=0.0`` (Pix2Seq's reference ``drop_att``) keeps it on the residual
branches and MLP only, which lets PyTorch run its fused attention kernels instead of
materialising and masking every (queries x keys) matrix. For each mask grid S of
``p2s_rle_ipsc_aug_tiny`` (S = 16: 256 encoder tokens; S = 32: 1,024) this times, in one
process and interleaved round by round, one optimiser step (forward, backward, AdamW)
on the same batch of 4 generated 64 x 64 frames (random disks, 3 classes):

* ``attn_dropout None``  the attention probabilities dropped at the ``dropout`` rate
  (0.1): the reference
* ``attn_dropout 0.0``   no dropout on them

Reported: median milliseconds per step over the rounds, and the ratio to the reference.

Usage::

    python benchmarks/train_step_speed.py [--rounds 15] [--threads 1]
        [--out benchmarks/results/train_step_speed.md]
"""
from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Dict, Optional

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from mmengine.registry import init_default_scope  # noqa: E402
from mmengine.structures import PixelData  # noqa: E402
from mmseg.registry import MODELS  # noqa: E402
from mmseg.structures import SegDataSample  # noqa: E402

from rleseg.engine import load_config  # noqa: E402

from resample_speed import median_us  # noqa: E402
from tokenizer_speed import cpu_model, make_mask  # noqa: E402

CONFIG = ROOT / 'configs/p2s_rle_ipsc_aug_tiny.py'
SIZE, BATCH, CLASSES = 64, 4, 3
GRIDS = (16, 32)


def build_step(mask_size: int, attn_dropout: Optional[float]) -> Callable[[], None]:
    """One optimiser step of the config's model at mask grid ``mask_size`` on a fixed
    batch (the data preprocessor tokenises the generated masks once)."""
    cfg = load_config(str(CONFIG))
    tok = cfg.model.tokenizer
    tok.mask_size, tok.subsample.factor = mask_size, SIZE // mask_size
    tok.max_seq_len = 16 * mask_size
    for stack in (cfg.model.encoder, cfg.model.decoder):
        stack.attn_dropout = attn_dropout
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).train()
    samples = []
    for i in range(BATCH):
        sample = SegDataSample(gt_sem_seg=PixelData(
            data=torch.from_numpy(make_mask(SIZE, CLASSES, 6, seed=i)).long()[None]))
        sample.set_metainfo(dict(img_shape=(SIZE, SIZE), ori_shape=(SIZE, SIZE),
                                 pad_shape=(SIZE, SIZE)))
        samples.append(sample)
    images = [torch.randint(0, 256, (3, SIZE, SIZE), dtype=torch.uint8)
              for _ in range(BATCH)]
    data = model.data_preprocessor(dict(inputs=images, data_samples=samples), training=True)
    optim = torch.optim.AdamW(model.parameters(), lr=1e-4)

    def step() -> None:
        losses = model.loss(data['inputs'], data['data_samples'])
        loss = sum(v for k, v in losses.items() if k.startswith('loss'))
        optim.zero_grad()
        loss.backward()
        optim.step()

    return step


def median_ms(steps: Dict[str, Callable[[], None]], rounds: int) -> Dict[str, float]:
    """Median milliseconds of each step, interleaved round by round (after 2 warm-up
    steps each)."""
    for step in steps.values():
        step()
        step()
    return {name: us / 1e3 for name, us in median_us(steps, rounds).items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--rounds', type=int, default=15)
    parser.add_argument('--threads', type=int, default=1, help='torch threads')
    parser.add_argument('--out', default=None, help='write the markdown table here too')
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    init_default_scope('mmseg')
    lines = ['# Training-step cost of attention dropout', '',
             f'- machine: {cpu_model()} ({os.cpu_count()} cores), {args.threads} torch '
             f'thread(s); torch {torch.__version__}',
             f"- date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC",
             f'- command: `python benchmarks/train_step_speed.py --rounds {args.rounds} '
             f'--threads {args.threads}`', '',
             '| mask grid (encoder tokens) | attn_dropout None (= 0.1) ms | '
             'attn_dropout 0.0 ms | ratio |', '|---|---|---|---|']
    for grid in GRIDS:
        med = median_ms({'ref': build_step(grid, None), 'off': build_step(grid, 0.0)},
                        args.rounds)
        lines.append(f"| {grid} x {grid} ({grid * grid}) | {med['ref']:.0f} | "
                     f"{med['off']:.0f} | {med['off'] / med['ref']:.2f} |")
    lines += ['', f'One AdamW step of `{CONFIG.relative_to(ROOT)}` at each mask grid, batch '
              f'{BATCH} of {SIZE} x {SIZE} generated frames; median over interleaved '
              'rounds; ratio = attn_dropout 0.0 / reference.']
    text = '\n'.join(lines) + '\n'
    print(text)
    if args.out:
        Path(args.out).write_text(text)


if __name__ == '__main__':
    main()
