"""Benchmark Pix2Seq RLE against mmseg's UNet, DeepLabV3+ and Mask2Former.

    python tools/benchmark.py --suite demo                 # CPU demo, minutes
    python tools/benchmark.py --suite ipsc --work-dir work_dirs/bench_ipsc   # GPU
    python tools/benchmark.py configs/unet_ipsc_tiny.py configs/p2s_rle_ipsc_tiny.py
    python tools/benchmark.py --dataset my_dataset.py --suite paradigms --seeds 0 1 2
    python tools/benchmark.py --dataset my_video.py     # a video config: video-paradigms
    python tools/benchmark.py --suite nuclei --seeds 0 1 2 --jobs 2     # 2 runs at once
    python tools/benchmark.py --suite ipsc --seeds 0 1 2 --launcher slurm --partition gpu

Trains every model through mmengine's runner unless its run is finished (resumable),
scores it on its config's test split with PerClassSegMetric, measures speed and
memory, and writes one table per dataset (markdown, CSV, JSON), per-class tables and
figures into the work directory. Runs go to worker processes here (``--jobs``) or to a
Slurm job array (``--launcher slurm``, through submitit); see docs/grid.md.
"""
import argparse
import os.path as osp
import sys

from mmengine.config import DictAction

from rleseg.benchmark import (SUITES, BenchmarkSettings, resolve_models,
                              run_benchmark)
from rleseg.benchmark.compose import (COMPOSED_SUITES, COST_STEPS, MAX_STEP_RATIO, Budget,
                                      compose_paradigms, composed_suite, dataset_name)
from rleseg.benchmark.launchers import LocalLauncher
from rleseg.benchmark.selection import report_selection
from rleseg.engine import add_debug_argument, user_errors
from rleseg.engine.tool_errors import ConfigError
from rleseg.engine.warning_filters import filter_third_party_warnings
from rleseg.models.tta import VIEWS


def parse_args(argv=None) -> argparse.Namespace:
    suites = ', '.join(f'{s.name} ({s.description})' for s in SUITES.values())
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('configs', nargs='*',
                        help='config files or names under configs/ (added to --suite)')
    parser.add_argument('--suite', choices=sorted(SUITES),
                        help=f'named suite: {suites}')
    parser.add_argument('--dataset',
                        help='a dataset config (pipelines, dataloaders, num_classes) to '
                        'run every paradigm on: implies --suite paradigms, or '
                        'video-paradigms when it trains on windows (VideoWindowDataset)')
    parser.add_argument('--min-ceiling-dice', type=float, default=90.0,
                        help='--dataset: the token ceiling (mDice, %%) the derived '
                        'tokenizer keeps (default 90)')
    parser.add_argument('--min-ceiling-pq', type=float, default=90.0,
                        help='--dataset with --suite panoptic-paradigms: the token ceiling '
                        '(PQ, %%) the derived tokenizer keeps (default 90)')
    parser.add_argument('--max-step-ratio', type=float, default=MAX_STEP_RATIO,
                        help='--dataset: the token model\'s training step may take at '
                        'most R times the slowest dense baseline\'s, both timed here; '
                        'a finer mask grid over it is given up, and said (default '
                        f'{MAX_STEP_RATIO:g}; 0: no budget)')
    parser.add_argument('--cost-steps', type=int, default=COST_STEPS,
                        help='--dataset: timed training steps per model for that budget '
                        f'(default {COST_STEPS}; 0: time nothing, no budget)')
    parser.add_argument('--work-dir',
                        help='where models and reports go (default '
                        'work_dirs/benchmark_<suite or custom>)')
    parser.add_argument('--eval-only', action='store_true',
                        help='do not train: evaluate the latest checkpoint in each '
                        "model's work dir (<work-dir>/<config name>/)")
    parser.add_argument('--iters', type=int,
                        help="train every model N iterations, its config's whole schedule "
                        '(LR schedulers, intervals) scaled to N (e.g. 1 for a smoke test)')
    parser.add_argument('--budget-minutes', type=float,
                        help='train every model for the iterations that fit M minutes '
                        'on this machine (timed warm-up, then the scaled schedule); the '
                        'table records the iterations each model got')
    parser.add_argument('--seeds', type=int, nargs='+',
                        help='train every model once per seed; tables show mean ± std '
                        'and n (default: once, with the config seed)')
    parser.add_argument('--folds', type=int,
                        help='K-fold cross-validation: every model (and seed) trains K '
                        'times, run i on the training items outside fold i and '
                        'validated on fold i (<work-dir>/<model>/fold_<i>/); the test '
                        'split is not part of any fold')
    parser.add_argument('--curve-points', type=int, default=0,
                        help='score the validation split at K evenly spaced points of '
                        'training, keeping those checkpoints (learning curves in the '
                        'CSV / JSON and *_curves.png)')
    parser.add_argument('--select', action='store_true',
                        help='choose the best model (and, with --curve-points, '
                        'checkpoint) by mean validation mDice over seeds and folds, '
                        'then report its test score once (*_selection.{md,json})')
    parser.add_argument('--tta', choices=sorted(VIEWS),
                        help='also score every model with test-time augmentation: class '
                        'probabilities averaged over these views of the input ("mDice '
                        'TTA" columns; a finished run is evaluated again to add them)')
    parser.add_argument('--calibrate', action='store_true',
                        help='after training, choose each run\'s decision rule on the '
                        'validation split (a per-class logit bias before the argmax for '
                        'dense models, the EOS bias for token models) and score the test '
                        'split with it too ("cal." columns next to the plain ones); a '
                        'finished run is evaluated again to add it')
    parser.add_argument('--latency-repeats', type=int, default=3,
                        help='timed inference calls per batch size (1 and 8)')
    parser.add_argument('--num-vis', type=int, default=4,
                        help='test images in the qualitative figure')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default={},
                        help='overrides applied to every config, key=value')
    launch = parser.add_argument_group('where the runs go (docs/grid.md)')
    launch.add_argument('--launcher', choices=('local', 'slurm'), default='local',
                        help='local: worker processes on this machine (--jobs); slurm: '
                        "one job array through submitit (pip install 'rleseg[slurm]')")
    launch.add_argument('--jobs', type=int, default=1,
                        help='local: runs at once, each with cores // N torch threads or '
                        'one GPU of CUDA_VISIBLE_DEVICES (round-robin)')
    launch.add_argument('--threads-per-run', type=int,
                        help='local: torch / OpenMP threads of each run (default cores '
                        '// --jobs with several jobs, the process default with one)')
    launch.add_argument('--partition', help='slurm: partition')
    launch.add_argument('--gpus-per-run', type=int, default=1, help='slurm: GPUs per run')
    launch.add_argument('--cpus-per-run', type=int, default=4,
                        help='slurm: CPU cores (and threads) per run')
    launch.add_argument('--time-min', type=int, default=240,
                        help='slurm: time limit of a run in minutes (a run that reaches '
                        'it is requeued and resumes from its last checkpoint)')
    launch.add_argument('--array-parallelism', type=int,
                        help='slurm: runs of the array at once')
    launch.add_argument('--sbatch', nargs='+', action=DictAction, default={},
                        help='slurm: further #SBATCH options, key=value (account=..., '
                        'qos=..., constraint=...)')
    launch.add_argument('--no-wait', action='store_true',
                        help='slurm: return once submitted; run the same command again '
                        '(or with --eval-only) to collect the table')
    parser.add_argument('--dry-run', action='store_true',
                        help='print the runs still to run and their commands; start '
                        'nothing')
    add_debug_argument(parser)
    return parser.parse_args(argv)


#: Options of one launcher only, with their defaults.
SLURM_ONLY = dict(partition=None, gpus_per_run=1, cpus_per_run=4, time_min=240,
                  array_parallelism=None, sbatch={}, no_wait=False)
LOCAL_ONLY = dict(jobs=1, threads_per_run=None)


def build_launcher(args: argparse.Namespace, work_dir: str):
    """The launcher the options ask for; options of the other launcher are refused."""
    slurm = args.launcher == 'slurm'
    for name, default in (LOCAL_ONLY if slurm else SLURM_ONLY).items():
        if getattr(args, name) != default:
            raise ConfigError(f"--{name.replace('_', '-')} is an option of "
                              f"--launcher {'local' if slurm else 'slurm'}")
    if not slurm:
        return LocalLauncher(jobs=args.jobs, threads=args.threads_per_run)
    from rleseg.benchmark.submitit_launcher import SubmititLauncher
    return SubmititLauncher(
        osp.join(work_dir, 'submitit'), partition=args.partition,
        gpus_per_run=args.gpus_per_run, cpus_per_run=args.cpus_per_run,
        time_min=args.time_min, array_parallelism=args.array_parallelism,
        sbatch=dict(args.sbatch), wait=not args.no_wait)


def main(argv=None) -> int:
    filter_third_party_warnings()
    args = parse_args(argv)
    with user_errors(args.debug):
        if args.dataset:
            composing = composed_suite(args.dataset, args.suite)
            title = f"{composing.replace('-', '_')}_{dataset_name(args.dataset)}"
            suite = None if args.suite == composing else args.suite
            paradigms, kind = COMPOSED_SUITES[composing]
        elif args.suite in COMPOSED_SUITES:
            raise ConfigError(f'--suite {args.suite} composes a dataset config with its '
                              'models: give it with --dataset my_dataset.py')
        else:
            title, suite = args.suite or 'custom', args.suite
        work_dir = osp.abspath(args.work_dir or osp.join('work_dirs', f'benchmark_{title}'))
        launcher = build_launcher(args, work_dir)  # refused before any work
        composed = compose_paradigms(args.dataset, osp.join(work_dir, 'configs'), paradigms,
                                     kind=kind, min_ceiling_pq=args.min_ceiling_pq,
                                     min_ceiling_dice=args.min_ceiling_dice,
                                     budget=Budget(args.max_step_ratio, args.cost_steps),
                                     stream=sys.stdout) if args.dataset else []
        models, demo = resolve_models(suite, [*args.configs, *(m.config for m in composed)])
        settings = BenchmarkSettings(
            work_dir=work_dir,
            train=not args.eval_only, iters=args.iters, seeds=args.seeds,
            folds=args.folds, budget_minutes=args.budget_minutes,
            curve_points=args.curve_points, cfg_options=dict(args.cfg_options),
            latency_repeats=args.latency_repeats, num_vis=args.num_vis, tta=args.tta,
            calibrate=args.calibrate, demo=demo or bool(args.dataset), title=title)
    with user_errors(args.debug):  # e.g. an empty test split, found before any run
        try:
            result = run_benchmark(models, settings, launcher=launcher,
                                   dry_run=args.dry_run)
        except KeyboardInterrupt:
            print(f'\ninterrupted: finished models are kept in {settings.work_dir}; run '
                  'the same command again to resume')
            return 130
    if args.select and result.tables:
        with user_errors(args.debug):
            report_selection(result.tables, settings.work_dir, sys.stdout)
    return 0 if result.ok else 1


if __name__ == '__main__':
    sys.exit(main())
