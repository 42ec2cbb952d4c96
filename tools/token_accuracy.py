"""Teacher-forced next-token accuracy per token field of a token model on a split:
``python tools/token_accuracy.py CONFIG CHECKPOINT [--split test|train] [options]``.

``--split train`` scores the training images through the test pipeline (no
augmentation); accuracy far above the test split's means memorisation. See
:mod:`rleseg.evaluation.token_accuracy`.
"""
import argparse
import copy

import torch
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmengine.runner.checkpoint import _load_checkpoint, _load_checkpoint_to_model
from mmseg.registry import MODELS

from rleseg.engine import (ConfigError, add_config_arguments, add_debug_argument,
                           add_partial_load_argument, check_checkpoint_fits, load_config,
                           one_line_message, user_errors)
from rleseg.engine.warning_filters import filter_third_party_warnings
from rleseg.evaluation.token_accuracy import accuracy_table, dataset_field_accuracy

BATCH_SIZE = 8


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Teacher-forced next-token accuracy per token field')
    parser.add_argument('config', help='config file path of a token model')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--split', choices=['test', 'train'], default='test',
                        help='images to score (train: through the test pipeline)')
    add_partial_load_argument(parser)
    add_config_arguments(parser)
    add_debug_argument(parser)
    return parser.parse_args()


def split_dataloader(cfg, split: str) -> dict:
    """Dataloader config of ``split``: batch size 8, in order, the test pipeline."""
    source = cfg.test_dataloader if split == 'test' else cfg.train_dataloader
    dataset = copy.deepcopy(source.dataset)
    dataset.pipeline = copy.deepcopy(cfg.test_dataloader.dataset.pipeline)
    return dict(batch_size=BATCH_SIZE, num_workers=source.get('num_workers', 0),
                persistent_workers=False, sampler=dict(type='DefaultSampler', shuffle=False),
                dataset=dataset)


def main() -> None:
    filter_third_party_warnings()
    args = parse_args()
    with user_errors(args.debug):
        cfg = load_config(args.config, args.cfg_options,
                          trusted_checkpoints=tuple(args.trust_checkpoint))
        init_default_scope(cfg.get('default_scope', 'mmseg'))
        model = MODELS.build(cfg.model)
        if not hasattr(model, 'vocab_layout'):
            raise ConfigError(f'{args.config}: {type(model).__name__} is not a token model '
                              '(no vocab_layout); token accuracy needs a Pix2Seq config')
        checkpoint = _load_checkpoint(args.checkpoint, map_location='cpu')
        if not args.partial_load:     # keys / shapes (vocabulary size) must match
            check_checkpoint_fits(model.state_dict(), checkpoint.get('state_dict', checkpoint),
                                  args.checkpoint)
        _load_checkpoint_to_model(model, checkpoint, strict=not args.partial_load)
        if torch.cuda.is_available():
            model = model.cuda()
        loader = Runner.build_dataloader(split_dataloader(cfg, args.split))
        try:
            rows = dataset_field_accuracy(model, loader)
        except ValueError as error:  # e.g. images of another size than the tokenizer's
            raise ConfigError(one_line_message(error)) from error
    print(f'Teacher-forced next-token accuracy, {args.split} split '
          f'({len(loader.dataset)} items), {args.checkpoint}:')
    print(accuracy_table(rows))


if __name__ == '__main__':
    main()
