"""The token model's first decoding step on the validation crops, with and without
foreground: p(EOS) (softmax over the whole vocabulary) and the logit gap EOS - best start
id, which a negative ``test_cfg.eos_bias`` must overcome before a sequence holds a run.

    python benchmarks/results/rare_fg_roads_tokens_2026-12-07/first_step_eos.py \
        configs/p2s_rle_roads_tiny.py \
        work_dirs/rare_fg_tokens/p2s_rle_roads_tiny/seed_0/iter_200.pth
"""
import argparse

import numpy as np
import torch
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS, MODELS

import rleseg  # noqa: F401  (registers the modules)
from rleseg.engine import load_config
from rleseg.engine.checkpoint import load_checkpoint_safely


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    args = parser.parse_args()
    init_default_scope('mmseg')
    cfg = load_config(args.config)
    dataset = DATASETS.build(cfg.val_dataloader.dataset)
    net = MODELS.build(cfg.model)
    net.load_state_dict(load_checkpoint_safely(args.checkpoint)['state_dict'])
    net.eval()
    data = net.data_preprocessor(pseudo_collate([dataset[i] for i in range(len(dataset))]),
                                 False)
    has_fg = np.array([bool(s.gt_sem_seg.data.gt(0).any()) for s in data['data_samples']])
    layout = net.vocab_layout
    with torch.no_grad():
        memory = net.extract_feat(data['inputs'])
        prompt = torch.full((len(has_fg), 1), net.task_id, dtype=torch.long)
        logits = net.decoder(prompt, memory)[:, -1].float()
    p_eos = logits.softmax(-1)[:, layout.eos_id]
    gap = logits[:, layout.eos_id] - logits[:, slice(*layout.ranges['start'])].max(-1).values
    for name, rows in (('with foreground', has_fg), ('without', ~has_fg)):
        print(f'{name}: {int(rows.sum())} crops, p(EOS) mean {p_eos[rows].mean():.3f} '
              f'(min {p_eos[rows].min():.3f}, max {p_eos[rows].max():.3f}), logit gap EOS - '
              f'best start mean {gap[rows].mean():.2f} (min {gap[rows].min():.2f}, '
              f'max {gap[rows].max():.2f})')


if __name__ == '__main__':
    main()
