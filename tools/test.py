"""Evaluate a checkpoint: ``python tools/test.py CONFIG CHECKPOINT [options]``."""
import argparse

from rleseg.engine import (add_config_arguments, add_debug_argument, add_launcher_arguments,
                           add_partial_load_argument, apply_test_options, build_runner,
                           load_config, parse_tool_args, user_errors)
from rleseg.engine.warning_filters import filter_third_party_warnings


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test (and evaluate) a segmentor')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the dir to save logs and metrics')
    parser.add_argument('--out', help='write every predicted label map as a PNG here')
    parser.add_argument('--show', action='store_true', help='show prediction results')
    parser.add_argument('--show-dir', help='save painted predictions to this directory')
    parser.add_argument('--wait-time', type=float, default=2,
                        help='the interval of show (s)')
    parser.add_argument('--tta', action='store_true',
                        help='test-time augmentation: the config\'s tta_model (default: '
                        'class probabilities averaged over the 8 flips / rotations)')
    add_partial_load_argument(parser)
    add_config_arguments(parser)
    add_launcher_arguments(parser)
    add_debug_argument(parser)
    return parse_tool_args(parser)


def main() -> None:
    filter_third_party_warnings()
    args = parse_args()
    with user_errors(args.debug):
        cfg = load_config(args.config, args.cfg_options, args.work_dir, args.launcher,
                          tuple(args.trust_checkpoint))
        apply_test_options(cfg, args.checkpoint, out=args.out, show=args.show,
                           show_dir=args.show_dir, wait_time=args.wait_time,
                           tta=args.tta, partial_load=args.partial_load)
        runner = build_runner(cfg)
        runner.test()


if __name__ == '__main__':
    main()
