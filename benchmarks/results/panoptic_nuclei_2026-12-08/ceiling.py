"""Token ceiling PQ of instance tokenizations: each split's ground truth encoded, decoded
and upsampled back (block repeat), scored by the PQ rules of PanopticQualityMetric.

    python benchmarks/results/panoptic_nuclei_2026-12-08/ceiling.py

Rows: the nuclei crops and the HeLa frames (their panoptic dataset configs), the mask grid
S = 16 (x4) and S = 32 (x2), majority subsampling with flat starts (the instance base) and
the old 2-D starts with top-left subsampling at S = 32; the longest sequence in tokens
and the most instances in one image.
"""
import copy

import numpy as np
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS

import rleseg  # noqa: F401  (registers rleseg's modules)
from rleseg.engine import load_config
from rleseg.evaluation.panoptic_metric import panoptic_counts, pq_from_counts
from rleseg.tokenizers import build_tokenizer

DATASETS_CFG = {'nuclei': 'configs/_base_/datasets/nuclei_panoptic.py',
                'hela': 'configs/_base_/datasets/hela_panoptic.py'}
TOKENIZERS = {'S=16 majority flat': dict(mask_size=16, subsample=dict(factor=4, mode='majority')),
              'S=32 majority flat': dict(mask_size=32, subsample=dict(factor=2, mode='majority')),
              'S=32 nearest 2d': dict(mask_size=32, starts='2d',
                                      subsample=dict(factor=2, mode='nearest'))}


def split_items(config: str, split: str) -> list:
    """(semantic, instances) of every image of ``split``."""
    dataset_cfg = copy.deepcopy(load_config(config).test_dataloader.dataset)
    dataset_cfg.data_prefix = {k: v.replace('/test', f'/{split}')
                               for k, v in dataset_cfg.data_prefix.items()}
    dataset = DATASETS.build(dataset_cfg)
    return [(d.gt_sem_seg.data[0].numpy(), d.gt_instance_map.data[0].numpy())
            for d in (dataset[i]['data_samples'] for i in range(len(dataset)))]


def main() -> None:
    init_default_scope('mmseg')
    for name, config in DATASETS_CFG.items():
        for split in ('train', 'val', 'test'):
            items = split_items(config, split)
            for label, options in TOKENIZERS.items():
                tok = build_tokenizer(dict(scheme='instance', num_classes=2,
                                           max_seq_len=4096, **options))
                counts, lengths = 0, []
                most = max(len(np.unique(inst[inst > 0])) for _, inst in items)
                for sem, inst in items:
                    enc = tok.encode(sem, inst)
                    pred, _ = tok.decode_panoptic(enc.tokens)
                    lengths.append(enc.num_tokens)
                    counts = counts + panoptic_counts(tok.upsample(pred.semantic),
                                                      tok.upsample(pred.instances), sem,
                                                      inst, 2)
                pq = 100 * pq_from_counts(counts)[0]['PQ'][1]
                print(f'{name} {split} ({len(items)} images, at most {most} instances in '
                      f'one) {label}: ceiling PQ {pq:.1f}, longest sequence {max(lengths)} '
                      'tokens')


if __name__ == '__main__':
    main()
