"""Where a window token model loses quality, measured on a split (issue 27).

    python benchmarks/results/hela_video_2026-12-08/diagnose_windows.py CONFIG \
        [--checkpoint CKPT] [--split val|test|train] [--out FILE.md]

Ground truth only (no checkpoint needed), with the config's own tokenizer (scheme, N,
S, L, subsample / upsample):

* tokens per window needed (untruncated) and the share of windows longer than L;
* the oracle ceiling: every window's ground truth tokenized, decoded and upsampled,
  scored per frame (m* foreground Dice, %, per frame averaged over the frames holding
  the class), by the frame's place 0..N-1 in its window, with and without truncation
  at L;
* the run classes of the ground truth (``tac`` / ``ltac``: the 2^N - 1 time-as-class
  classes): runs per class over the split.

With ``--checkpoint`` (loaded with weights_only=True), the trained model on the split:

* generated predictions scored per frame by the frame's place in its window (the val
  and test windows of the HeLa configs do not overlap, so every frame has one place);
* teacher-forced next-token accuracy per token field
  (:mod:`rleseg.evaluation.token_accuracy`);
* middle fusion only: where frame 0's cells look in the frame cross-attention, the
  only path by which frames 1..N-1 reach the decoder's memory: the attention share
  each other frame gets, and the share on the same cell (y, x) and on its 3 x 3
  neighbourhood in that frame (uniform attention would give 1/(N-1), 1/((N-1)M) and
  about 9/((N-1)M)).

Items are windows of the split through the config's test pipeline (``--split train``:
the training windows, stride 1, without augmentation). ``--limit`` scores the first
windows only (a quick check). Markdown goes to stdout and ``--out``.
"""
from __future__ import annotations

import argparse
import copy
from typing import Dict, List, Optional

import numpy as np
import torch
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmengine.runner.checkpoint import _load_checkpoint_to_model
from mmseg.registry import DATASETS, MODELS
from torch.utils.data import Subset

import rleseg  # noqa: F401  (registers models, datasets, transforms)
from rleseg.engine import check_checkpoint_fits, load_config
from rleseg.engine.checkpoint import load_checkpoint_safely
from rleseg.evaluation import class_pixel_counts, per_image_class_scores
from rleseg.evaluation.token_accuracy import accuracy_table, dataset_field_accuracy
from rleseg.tokenizers import build_tokenizer

BATCH_SIZE = 8
#: An L no 64 x 64 window at S = 16 exceeds (the untruncated ceiling).
UNTRUNCATED = 4096


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='config of a window token model')
    parser.add_argument('--checkpoint', help='trained checkpoint to diagnose')
    parser.add_argument('--split', choices=['val', 'test', 'train'], default='val')
    parser.add_argument('--limit', type=int, default=None, help='first windows only')
    parser.add_argument('--out', help='also write the markdown here')
    return parser.parse_args()


def split_loader(cfg, split: str, limit: Optional[int]):
    """Windows of ``split`` through the test pipeline, in order, batches of 8."""
    source = cfg.get(f'{split}_dataloader')
    dataset = copy.deepcopy(source.dataset)
    dataset.pipeline = copy.deepcopy(cfg.test_dataloader.dataset.pipeline)
    dataset = DATASETS.build(dataset)
    if limit is not None:
        dataset = Subset(dataset, range(min(limit, len(dataset))))
    return Runner.build_dataloader(dict(
        batch_size=BATCH_SIZE, num_workers=0, persistent_workers=False,
        sampler=dict(type='DefaultSampler', shuffle=False), dataset=dataset))


def foreground_dice(counts: List[np.ndarray]) -> float:
    """m* foreground Dice (%) of per-frame (3, C) pixel counts."""
    scores, evaluated = per_image_class_scores(np.stack(counts))
    return float(100.0 * scores['Dice'][1:][evaluated[1:]].mean())


def dice_by_place(pairs: List[tuple], num_classes: int) -> List[float]:
    """(pred (N, H, W), gt (N, H, W)) windows -> m* Dice of each place 0..N-1 and of
    all frames together (last)."""
    places = len(pairs[0][1])
    counts: List[List[np.ndarray]] = [[] for _ in range(places)]
    for pred, gt in pairs:
        for t in range(places):
            counts[t].append(class_pixel_counts(pred[t], gt[t], num_classes))
    return [foreground_dice(c) for c in counts] + [foreground_dice(sum(counts, []))]


def ground_truth_report(tok, long_tok, windows: List[np.ndarray],
                        num_classes: int) -> List[str]:
    """Token counts, truncation, the oracle ceiling by place and the run classes
    (``long_tok``: ``tok`` with an L no window exceeds, for the untruncated ceiling)."""
    needed, truncated, full, cut = [], [], [], []
    classes: Dict[int, int] = {}
    for gt in windows:
        enc = tok.encode(gt)
        needed.append(tok.count_tokens(gt))
        truncated.append(enc.truncated)
        for tokenizer, tokens, out in ((tok, enc.tokens, cut),
                                       (long_tok, long_tok.encode(gt).tokens, full)):
            decoded, _ = tokenizer.decode(tokens)
            out.append((tokenizer.upsample_scores(decoded, gt.shape[-2:]).argmax(-3), gt))
        for value in tok.runs(gt).values.tolist():
            classes[value] = classes.get(value, 0) + 1
    needed_a = np.asarray(needed, np.float64)
    place_cols = ' | '.join(f'frame {t}' for t in range(tok.window))
    lines = [f'Ground truth of {len(windows)} windows, {tok.scheme} N = {tok.window}, '
             f'S = {tok.mask_shape[0]}, L = {tok.max_seq_len}, subsample '
             f"x{tok.factor} {tok.subsample_cfg['mode']}, upsample {tok.upsample_mode}:",
             '',
             f'- tokens per window needed: mean {needed_a.mean():.1f}, median '
             f'{np.median(needed_a):.0f}, max {int(needed_a.max())} (per frame '
             f'{needed_a.mean() / tok.window:.1f}); longer than L: '
             f'{100.0 * np.mean(truncated):.2f} % of windows',
             '',
             f'| oracle ceiling m* Dice | {place_cols} | all frames |',
             '|---|' + '---:|' * (tok.window + 1)]
    for name, pairs in (('untruncated', full), (f'truncated at L = {tok.max_seq_len}', cut)):
        row = ' | '.join(f'{v:.1f}' for v in dice_by_place(pairs, num_classes))
        lines.append(f'| {name} | {row} |')
    total = sum(classes.values())
    lines += ['', f'Runs per run class (all {total} runs; class id: runs, %):', '',
              ', '.join(f'{c}: {n} ({100.0 * n / total:.1f} %)'
                        for c, n in sorted(classes.items()))]
    return lines


def attention_shares(model, inputs: torch.Tensor) -> np.ndarray:
    """Middle fusion: frame 0's cells' cross-attention over frames 1..N-1 ->
    (N-1, 3) mean shares: the whole frame, the same cell, the 3 x 3 neighbourhood."""
    seen = {}
    hook = model.frame_attn.register_forward_hook(
        lambda module, args, out: seen.update(query=args[0], context=args[1]))
    try:
        model.extract_feat(inputs)
    finally:
        hook.remove()
    block = model.frame_attn
    kv = block.norm_kv(seen['context'])
    _, weights = block.attn(block.norm_q(seen['query']), kv, kv, need_weights=True,
                            average_attn_weights=True)            # (B, M, (N-1)*M)
    h, w = model.memory_grid.size
    b, m, _ = weights.shape
    weights = weights.view(b, h, w, -1, h, w)                      # query y x, frame, y x
    yy, xx = torch.meshgrid(torch.arange(h), torch.arange(w), indexing='ij')
    near = ((yy[:, :, None, None] - yy).abs() <= 1) & ((xx[:, :, None, None] - xx).abs() <= 1)
    same = (yy[:, :, None, None] == yy) & (xx[:, :, None, None] == xx)
    frame = weights.sum((-2, -1))
    at = [(weights * mask[None, :, :, None]).sum((-2, -1)) for mask in (same, near)]
    return torch.stack([frame] + at, -1).mean((0, 1, 2)).numpy()


def model_report(model, loader, num_classes: int) -> List[str]:
    """Generated predictions by place, teacher-forced accuracy, fusion attention."""
    pairs, shares = [], []
    model.eval()
    with torch.no_grad():
        for batch in loader:
            for sample in model.test_step(batch):
                pairs.append((sample.pred_sem_seg.data.numpy(),
                              sample.gt_sem_seg.data.numpy()))
            if getattr(model, 'fusion', None) == 'middle' and model.num_frames > 1:
                data = model.data_preprocessor(batch, False)
                shares.append(attention_shares(model, data['inputs']))
    n = len(pairs[0][1])
    place_cols = ' | '.join(f'frame {t}' for t in range(n))
    row = ' | '.join(f'{v:.1f}' for v in dice_by_place(pairs, num_classes))
    lines = ['', f'Generated, {len(pairs)} windows:', '',
             f'| m* Dice | {place_cols} | all frames |', '|---|' + '---:|' * (n + 1),
             f'| model | {row} |', '', 'Teacher-forced next-token accuracy:', '',
             accuracy_table(dataset_field_accuracy(model, loader))]
    if shares:
        mean = np.mean(shares, 0)
        m = int(np.prod(model.memory_grid.size))
        lines += ['', 'Middle fusion, frame 0 cells attending to frame t (mean share of '
                  f'attention; uniform: frame {100.0 / (n - 1):.1f} %, same cell '
                  f'{100.0 / ((n - 1) * m):.2f} %, 3 x 3 about '
                  f'{900.0 / ((n - 1) * m):.2f} %):', '',
                  '| frame t | whole frame % | same cell % | 3 x 3 cells % |',
                  '|---|---:|---:|---:|']
        lines += [f'| {t + 1} | {100 * a:.1f} | {100 * b:.2f} | {100 * c:.2f} |'
                  for t, (a, b, c) in enumerate(mean)]
    return lines


def main() -> None:
    args = parse_args()
    cfg = load_config(args.config)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    num_classes = len(cfg.metainfo['classes'])
    tok = build_tokenizer(cfg.model.tokenizer)
    long_tok = build_tokenizer({**cfg.model.tokenizer, 'max_seq_len': UNTRUNCATED})
    loader = split_loader(cfg, args.split, args.limit)
    windows = [s.gt_sem_seg.data.numpy() for batch in loader for s in batch['data_samples']]
    lines = [f'# {args.config}, {args.split} split', '']
    lines += ground_truth_report(tok, long_tok, windows, num_classes)
    if args.checkpoint:
        model = MODELS.build(cfg.model)
        checkpoint = load_checkpoint_safely(args.checkpoint, map_location='cpu')
        check_checkpoint_fits(model.state_dict(), checkpoint.get('state_dict', checkpoint),
                              args.checkpoint)
        _load_checkpoint_to_model(model, checkpoint, strict=True)
        lines += ['', f'Checkpoint {args.checkpoint}:'] + model_report(model, loader,
                                                                       num_classes)
    text = '\n'.join(lines) + '\n'
    print(text)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(text)


if __name__ == '__main__':
    main()
