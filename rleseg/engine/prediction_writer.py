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


@HOOKS.register_module()
class PredictionWriterHook(Hook):
    """Save each test prediction as ``<out_dir>/<item>.png``.

    ``<item>`` is the dataset item's name from its split file (``metainfo['item']``,
    e.g. ``roi_1000_800_1096_864/image146``, so frames of different sequences do not
    collide), or the image file's stem for datasets without one. The PNG holds class indices (uint8, H × W at the image's original size), the same
    encoding as the ground-truth masks, so predictions can be re-scored or overlaid by
    any tool.

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
                         osp.join(self.out_dir, f'{self._name(sample, batch_idx, index)}.png'))

    @staticmethod
    def _name(sample: SegDataSample, batch_idx: int, index: int) -> str:
        item = sample.metainfo.get('item')
        if item:
            return str(item)
        image_path = sample.metainfo.get('img_path')
        if image_path:
            return osp.splitext(osp.basename(image_path))[0]
        return f'{batch_idx:06d}_{index:02d}'
