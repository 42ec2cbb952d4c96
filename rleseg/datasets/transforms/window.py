"""Window-consistent augmentation and formatting of video-window items.

A window item holds ``img`` (N, H, W, 3) and seg fields such as ``gt_seg_map``
(N, H, W). :class:`WindowBroadcast` runs ordinary single-image transforms
(mmseg ``RandomCrop``, ``RandomFlip``, ``RandomRotate``, ``Resize``,
``PhotoMetricDistortion``, ...) on every frame with the *same* random draws:

* methods decorated with mmcv's ``@cache_randomness`` (crop box, flip direction,
  rotation angle, resize scale) are computed on frame 0 and reused, through
  ``mmcv.transforms.utils.cache_random_params``;
* every other draw from numpy's / python's global generators is replayed: the
  generator state before a transform runs on frame 0 is restored before it runs
  on each later frame (this covers e.g. ``PhotoMetricDistortion``, which is not
  decorated). A transform whose number of draws depends on the frame's pixels
  can still diverge; the mmseg geometric transforms are decorated, so they do not.

:class:`FormatWindow` then arranges the frames for a model.
"""
from __future__ import annotations

import random
from typing import Callable, Optional, Sequence, Union

import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_random_params
from mmseg.registry import TRANSFORMS

WINDOW_LAYOUTS = ('channels', 'frames')


def _rng_state() -> tuple:
    return np.random.get_state(), random.getstate()


def _set_rng_state(state: tuple) -> None:
    np.random.set_state(state[0])
    random.setstate(state[1])


@TRANSFORMS.register_module()
class WindowBroadcast(BaseTransform):
    """Apply single-image transforms identically to all frames of a window.

    Args:
        transforms: transform configs (or callables), applied in order.

    Required keys: ``img`` ((N, H, W, C) array or list of N frames), the seg
    fields in ``seg_fields`` ((N, H, W) each).
    Modified keys: ``img`` ((N, H', W', C)), the seg fields ((N, H', W')), and
    whatever the transforms set (``img_shape``, ``flip``, ``scale_factor``, ...,
    taken from frame 0, which every other frame matches).
    """

    def __init__(self, transforms: Sequence[Union[dict, Callable]]) -> None:
        self.transforms = [TRANSFORMS.build(t) if isinstance(t, dict) else t
                           for t in transforms]

    def _split(self, results: dict) -> list[dict]:
        fields = list(results.get('seg_fields', []))
        n = len(results['img'])
        for key in fields:
            if len(results[key]) != n:
                raise ValueError(f'WindowBroadcast: {key} has {len(results[key])} frames '
                                 f'but img has {n}')
        frames = []
        for t in range(n):
            frame = dict(results)
            frame['img'] = np.asarray(results['img'][t])
            frame['seg_fields'] = list(fields)
            for key in fields:
                frame[key] = results[key][t]
            frames.append(frame)
        return frames

    @staticmethod
    def _join(frames: list[dict]) -> dict:
        out = dict(frames[0])
        shape = frames[0]['img'].shape
        for t, frame in enumerate(frames):
            if frame['img'].shape != shape:
                raise RuntimeError(f'WindowBroadcast: frame {t} became {frame["img"].shape} '
                                   f'but frame 0 {shape}; a transform drew frame-dependent '
                                   'random numbers')
        out['img'] = np.stack([f['img'] for f in frames])
        for key in frames[0].get('seg_fields', []):
            out[key] = np.stack([f[key] for f in frames])
        return out

    def transform(self, results: dict) -> Optional[dict]:
        frames = self._split(results)
        for t in self.transforms:
            with cache_random_params(t):
                before = _rng_state()
                after = before
                for i, frame in enumerate(frames):
                    if i:
                        _set_rng_state(before)
                    frames[i] = t(frame)
                    if frames[i] is None:
                        return None
                    if i == 0:
                        after = _rng_state()
                _set_rng_state(after)
        return self._join(frames)

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(transforms={self.transforms})'


@TRANSFORMS.register_module()
class FormatWindow(BaseTransform):
    """Arrange a window's frames as the model input.

    Args:
        layout: ``'channels'``: ``img`` becomes (H, W, 3N), frame-major channels
            (frame t is channels 3t..3t+2), so mmseg's ``PackSegInputs`` packs it
            to a (3N, H, W) tensor (the data preprocessor then needs ``mean``/``std``
            of length 3N and ``bgr_to_rgb=False``); ``'frames'``: keep
            (N, H, W, 3) for a packer that understands frames.
        static: static-video mode, the input is frame 0 only ((H, W, 3)) while
            ``gt_seg_map`` keeps all N masks. ``None`` (default): follow the
            item's ``static_window`` flag set by the dataset.

    Required keys: ``img`` (N, H, W, 3). Modified: ``img``. Added:
    ``num_frames`` (N), ``static_window``.
    """

    def __init__(self, layout: str = 'channels', static: Optional[bool] = None) -> None:
        if layout not in WINDOW_LAYOUTS:
            raise ValueError(f'layout {layout!r} must be one of {WINDOW_LAYOUTS}')
        self.layout, self.static = layout, static

    def transform(self, results: dict) -> dict:
        img = np.asarray(results['img'])
        static = self.static if self.static is not None else results.get('static_window',
                                                                         False)
        results['num_frames'] = int(img.shape[0])
        results['static_window'] = bool(static)
        if static:
            results['img'] = np.ascontiguousarray(img[0])
        elif self.layout == 'channels':
            results['img'] = np.ascontiguousarray(np.concatenate(list(img), axis=-1))
        else:
            results['img'] = img
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(layout={self.layout!r}, static={self.static})'
