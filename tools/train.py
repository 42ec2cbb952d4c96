"""Train a segmentor: ``python tools/train.py CONFIG [options]`` (mmseg's options).

The work dir is locked for the run with the benchmark worker's folder lock, so a
second run on the same work dir (or a benchmark worker there) fails at once in one line
instead of replacing the first run's checkpoints and log.
"""
import argparse
import os
from contextlib import contextmanager
from typing import Iterator

from rleseg.benchmark.lock import ModelDirBusy, ModelDirLock
from rleseg.datasets.split_overlap import check_split_overlap
from rleseg.engine import (ConfigError, add_config_arguments, add_debug_argument,
                           add_launcher_arguments, apply_train_options, build_runner,
                           load_config, parse_tool_args, user_errors)
from rleseg.engine.warning_filters import filter_third_party_warnings


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
    add_launcher_arguments(parser)
    add_debug_argument(parser)
    return parse_tool_args(parser)


@contextmanager
def work_dir_lock(work_dir: str) -> Iterator[None]:
    """Hold ``work_dir``'s folder lock (rank 0 only) while the body runs.

    Raises:
        ConfigError: another live process holds it (the message names its pid).
    """
    if int(os.environ.get('RANK', '0')) != 0:
        yield
        return
    try:
        with ModelDirLock(work_dir):
            yield
    except ModelDirBusy as error:
        raise ConfigError(f'--work-dir {error}') from None


def main() -> None:
    filter_third_party_warnings()
    args = parse_args()
    with user_errors(args.debug):
        cfg = load_config(args.config, args.cfg_options, args.work_dir, args.launcher,
                          tuple(args.trust_checkpoint))
        apply_train_options(cfg, resume=args.resume, amp=args.amp)
        check_split_overlap(cfg)
        with work_dir_lock(cfg.work_dir):
            runner = build_runner(cfg)
            runner.train()


if __name__ == '__main__':
    main()
