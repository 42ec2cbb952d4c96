"""``python -m rleseg.datasets.label_stats CONFIG [--power P]``: the class pixel shares
of a config's training labels, the items holding each class and the class weights of
:func:`~rleseg.datasets.balance.class_weights` (JSON), the numbers a config's
``class_weight`` is written from (rules in :mod:`rleseg.datasets.balance`)."""
from __future__ import annotations

import argparse
import json
from typing import List, Optional

from .balance import class_balance, class_weights


def describe(config: str, power: float = 0.5) -> dict:
    """Class frequencies, holding counts and class weights of a config's training set
    (what ``python -m rleseg.datasets.label_stats`` prints)."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmseg.registry import DATASETS

    import rleseg  # noqa: F401  (registers the datasets)
    cfg = Config.fromfile(config)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    dataset = DATASETS.build(dict(cfg.train_dataloader.dataset, pipeline=[]))
    balance = class_balance(dataset)
    frequencies = [pct / 100.0 for pct in balance['pixel_pct'].values()]
    return dict(config=config, **balance, class_weight_power=power,
                class_weight=[round(float(w), 4) for w in class_weights(frequencies, power)])


def main(argv: Optional[List[str]] = None) -> None:
    """``python -m rleseg.datasets.label_stats CONFIG [--power P]``: print the training
    set's class pixel shares (%), the items holding each class and the class weights
    (JSON)."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument('config')
    parser.add_argument('--power', type=float, default=0.5,
                        help='class weights proportional to frequency ** -power')
    args = parser.parse_args(argv)
    print(json.dumps(describe(args.config, args.power), indent=1))


if __name__ == '__main__':
    main()
