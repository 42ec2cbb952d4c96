"""Prepare data for rleseg.

    python tools/prepare_data.py [--out data] [--seed 0]      # data/ipsc_demo, data/aris_demo,
                                                              # data/nuclei, data/hela_video, data/roads
    python tools/prepare_data.py splits ipsc --root PATH      # split files of a real IPSC download
    python tools/prepare_data.py splits aris --root PATH      # split files of a real ARIS download
"""
from __future__ import annotations

import argparse
import sys

from rleseg.datasets.errors import DataError
from rleseg.datasets.hela import hela_summary
from rleseg.datasets.nuclei import nuclei_summary
from rleseg.datasets.prepare import prepare_demo, prepare_splits
from rleseg.datasets.roads import roads_summary
from rleseg.engine.warning_filters import filter_third_party_warnings


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest='command')
    demo = sub.add_parser('demo', help='write the embedded demo data and the shipped real '
                          'data: nuclei, HeLa time-lapse, roads (default)')
    demo.add_argument('--out', default='data', help='output folder (default: data)')
    demo.add_argument('--seed', type=int, default=0)
    demo.add_argument('--overwrite', action='store_true',
                      help='replace split files whose content differs and remove stray '
                      'files from data/nuclei, data/hela_video and data/roads')
    splits = sub.add_parser('splits', help='write the paper split files of a real download')
    splits.add_argument('dataset', choices=['ipsc', 'aris'])
    splits.add_argument('--root', required=True, help='dataset root folder')
    splits.add_argument('--overwrite', action='store_true')
    if not argv or argv[0] not in ('demo', 'splits', '-h', '--help'):
        argv = ['demo', *argv]
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    filter_third_party_warnings()
    args = parse_args(argv)
    if args.command == 'splits':
        try:
            counts = prepare_splits(args.dataset, args.root, args.overwrite)
        except DataError as exc:
            print(f'error: {exc}', file=sys.stderr)
            return 2
        print(f'{args.dataset} splits under {args.root}/splits: {counts}')
        return 0
    try:
        summary = prepare_demo(args.out, args.seed, args.overwrite)
    except DataError as exc:
        print(f'error: {exc}', file=sys.stderr)
        return 2
    print(f"wrote {summary['ipsc']['root']} ({len(summary['ipsc']['sequences'])} sequences, "
          f"splits {summary['ipsc']['splits']})")
    print(f"wrote {summary['aris']['root']} ({summary['aris']['num_images']} images, "
          f"splits {summary['aris']['splits']})")
    print(nuclei_summary(summary['nuclei']))
    print(hela_summary(summary['hela_video']))
    print(f"{roads_summary(summary['roads'])}; {summary['seconds']:.1f} s in all")
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
