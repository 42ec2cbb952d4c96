"""Known third-party warnings that our command-line tools hide, so that their first
screen is their own output.

Only the entry points (``tools/*.py``) call :func:`filter_third_party_warnings`;
importing rleseg as a library changes no warning filter. Each entry is a warning a
user of the tools cannot act on, with the reason it is raised.
"""
from __future__ import annotations

import os
import re
import warnings
from typing import Tuple, Type

#: (start of the message, category) of each hidden warning; no ',' or ':' in a message
#: start (they separate the fields of ``PYTHONWARNINGS``).
KNOWN_WARNINGS: Tuple[Tuple[str, Type[Warning]], ...] = (
    # setuptools < 81 (pinned: mmengine 0.10.7 resolves `mmseg::` config bases through
    # pkg_resources) warns on every import of pkg_resources, once per process and per
    # config that names an mmseg:: base.
    ('pkg_resources is deprecated as an API', UserWarning),
    ('pkg_resources is deprecated as an API', DeprecationWarning),
    # torch 2.x, from mmcv / mmdet code that builds grids without `indexing=`.
    ('torch.meshgrid', UserWarning),
    # mmseg's CrossEntropyLoss advice, raised once per dense model built with its
    # default (the baselines keep mmseg's default on purpose).
    ('Default ``avg_non_ignore`` is False', UserWarning),
    # mmseg builds its own losses through its deprecated build_loss.
    ('``build_loss`` would be deprecated soon', UserWarning),
    # mmseg's advice for 2-class heads: the baselines keep a 2-channel softmax so that
    # every paradigm is scored the same way.
    ('For binary segmentation', UserWarning),
    # mmseg's SegVisualizationHook with draw=False, as the configs set it on purpose.
    ('The draw is False', UserWarning),
)


def filter_third_party_warnings() -> None:
    """Ignore :data:`KNOWN_WARNINGS` in this process and in the processes it starts
    (benchmark workers inherit them through ``PYTHONWARNINGS``)."""
    options = [option for option in os.environ.get('PYTHONWARNINGS', '').split(',')
               if option]
    for message, category in KNOWN_WARNINGS:
        warnings.filterwarnings('ignore', message=re.escape(message), category=category)
        option = f'ignore:{message}:{category.__name__}'
        if option not in options:
            options.append(option)
    os.environ['PYTHONWARNINGS'] = ','.join(options)
