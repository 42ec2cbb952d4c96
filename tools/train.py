"""Train a segmentor: ``python tools/train.py CONFIG [options]`` (mmseg's options)."""
import argparse
import os

from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from rleseg.engine import (add_config_arguments, add_debug_argument, apply_train_options,
                           load_config, user_errors)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a segmentor')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from the given checkpoint, or without a path from the latest '
        'checkpoint in the work dir')
    parser.add_argument('--amp', action='store_true',
                        help='enable automatic-mixed-precision training')
    add_config_arguments(parser)
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    add_debug_argument(parser)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def main() -> None:
    args = parse_args()
    with user_errors(args.debug):
        cfg = load_config(args.config, args.cfg_options, args.work_dir, args.launcher,
                          tuple(args.trust_checkpoint))
        apply_train_options(cfg, resume=args.resume, amp=args.amp)
        runner = (Runner.from_cfg(cfg) if 'runner_type' not in cfg
                  else RUNNERS.build(cfg))
        runner.train()


if __name__ == '__main__':
    main()
