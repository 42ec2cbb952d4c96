"""Benchmark Pix2Seq RLE against mmseg's UNet, DeepLabV3+ and Mask2Former.

    python tools/benchmark.py --suite demo                 # CPU demo, minutes
    python tools/benchmark.py --suite ipsc --work-dir work_dirs/bench_ipsc   # GPU
    python tools/benchmark.py configs/unet_ipsc_tiny.py configs/p2s_rle_ipsc_tiny.py

Trains every model through mmengine's runner unless its run is finished (resumable),
scores it on its config's test split with PerClassSegMetric, measures speed and
memory, and writes one table per dataset (markdown, CSV, JSON), per-class tables and
figures into the work directory.
"""
import argparse
import os.path as osp
import sys

from mmengine.config import DictAction

from rleseg.benchmark import (SUITES, BenchmarkSettings, resolve_models,
                              run_benchmark)


def parse_args(argv=None) -> argparse.Namespace:
    suites = ', '.join(f'{s.name} ({s.description})' for s in SUITES.values())
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('configs', nargs='*',
                        help='config files or names under configs/ (added to --suite)')
    parser.add_argument('--suite', choices=sorted(SUITES), help=f'named suite: {suites}')
    parser.add_argument('--work-dir',
                        help='where models and reports go (default '
                        'work_dirs/benchmark_<suite or custom>)')
    parser.add_argument('--eval-only', action='store_true',
                        help='do not train: evaluate the latest checkpoint in each '
                        "model's work dir (<work-dir>/<config name>/)")
    parser.add_argument('--iters', type=int,
                        help='override train_cfg.max_iters of every model (e.g. 1 for '
                        'a smoke test)')
    parser.add_argument('--latency-repeats', type=int, default=3,
                        help='timed inference calls per batch size (1 and 8)')
    parser.add_argument('--num-vis', type=int, default=4,
                        help='test images in the qualitative figure')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default={},
                        help='overrides applied to every config, key=value')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    models, demo = resolve_models(args.suite, args.configs)
    title = args.suite or 'custom'
    settings = BenchmarkSettings(
        work_dir=osp.abspath(args.work_dir or osp.join('work_dirs', f'benchmark_{title}')),
        train=not args.eval_only, iters=args.iters, cfg_options=dict(args.cfg_options),
        latency_repeats=args.latency_repeats, num_vis=args.num_vis, demo=demo,
        title=title)
    try:
        result = run_benchmark(models, settings)
    except KeyboardInterrupt:
        print(f'\ninterrupted: finished models are kept in {settings.work_dir}; run the '
              'same command again to resume')
        return 130
    return 0 if result.ok else 1


if __name__ == '__main__':
    sys.exit(main())
