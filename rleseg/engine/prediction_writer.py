"""Write predicted label maps to disk during ``tools/test.py --out DIR``."""
from __future__ import annotations

import os
import os.path as osp
from typing import Optional, Sequence

import mmcv
import numpy as np
from mmengine.hooks import Hook
from mmseg.registry import HOOKS
from mmseg.structures import SegDataSample

from rleseg.datasets.errors import DataError


@HOOKS.register_module()
class PredictionWriterHook(Hook):
    """Save each test prediction as ``<out_dir>/<item>.png``.

    ``<item>`` is the dataset item's name from its split file (``metainfo['item']``,
    e.g. ``roi_1000_800_1096_864/image146``, so frames of different sequences do not
    collide), or the image file's stem for datasets without one. The PNG holds class indices (uint8, H × W at the image's original size), the same
    encoding as the ground-truth masks, so predictions can be re-scored or overlaid by
    any tool.

    A name that would put the file outside ``out_dir`` (an absolute item, ``..``) is
    refused with a :class:`~rleseg.datasets.errors.DataError` instead of written.

    Args:
        out_dir: folder to write into; created when missing.
    """

    def __init__(self, out_dir: str) -> None:
        self.out_dir = out_dir

    def before_test(self, runner) -> None:
        os.makedirs(self.out_dir, exist_ok=True)

    def after_test_iter(self, runner, batch_idx: int, data_batch: dict,
                        outputs: Optional[Sequence[SegDataSample]] = None) -> None:
        for index, sample in enumerate(outputs or ()):
            labels = sample.pred_sem_seg.data.squeeze(0).cpu().numpy()
            mmcv.imwrite(labels.astype(np.uint8),
                         self._path(self._name(sample, batch_idx, index)))

    def _path(self, name: str) -> str:
        """``<out_dir>/<name>.png``, refused when it would lie outside ``out_dir``."""
        root = osp.realpath(self.out_dir)
        path = osp.realpath(osp.join(root, f'{name}.png'))
        if osp.commonpath([root, path]) != root:
            raise DataError(f'--out {self.out_dir}: prediction {name[:80]!r} would be '
                            f'written outside the folder ({path[:120]}); its item '
                            'name must be a relative path without ..')
        return path

    @staticmethod
    def _name(sample: SegDataSample, batch_idx: int, index: int) -> str:
        item = sample.metainfo.get('item')
        if item:
            return str(item)
        image_path = sample.metainfo.get('img_path')
        if image_path:
            return osp.splitext(osp.basename(image_path))[0]
        return f'{batch_idx:06d}_{index:02d}'
