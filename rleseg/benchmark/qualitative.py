"""The qualitative figure's data: image, ground truth and prediction of the first
test frames of a model, saved next to its record."""
from __future__ import annotations

import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from .identity import data_root, relative_path
from .records import atomic_write_bytes

QUALITATIVE_NAME = 'qualitative.npz'


def _display_image(path: str, inputs, frame: int, shape: Tuple[int, int]) -> np.ndarray:
    """The (H, W, 3) RGB uint8 image of one frame, at the prediction's ``shape``: read
    from ``path``, else taken from the model input (frame t is channels 3t..3t+2, BGR
    as loaded)."""
    import mmcv
    if osp.isfile(path):
        image = mmcv.imread(path, channel_order='rgb')
    else:
        first = 3 * frame if inputs.shape[0] >= 3 * (frame + 1) else 0
        image = inputs[first:first + 3].numpy().transpose(1, 2, 0)[..., ::-1]
    if image.ndim == 2:
        image = image[..., None]
    if image.shape[2] == 1:
        image = np.repeat(image, 3, axis=2)
    if image.shape[:2] != tuple(shape):
        image = mmcv.imresize(image, tuple(shape)[::-1])
    return np.ascontiguousarray(image).astype(np.uint8)


def frame_key(path: str, root: str, box: Optional[Sequence[int]] = None) -> str:
    """Name of a scored frame in the qualitative figure: its path relative to the data
    root (plus the patch box of a patch item)."""
    key = relative_path(path, root)
    return key + (f"#{','.join(map(str, box))}" if box is not None else '')


def save_qualitative(runner, path: str, num: int) -> List[str]:
    """Predict the first ``num`` scored frames of the test split and save image, ground
    truth and prediction arrays (``img_<i>``, ``gt_<i>``, ``pred_<i>``) with their
    frame keys (:func:`frame_key`, array ``keys``) in a compressed npz.

    The keys let the figure show the same frames for image and video models: a window
    contributes each of its frames, predicted by the first window covering the frame
    (with the configs' non-overlapping test windows, the prediction that is scored).

    Returns:
        The frame keys, in order.
    """
    import io

    import torch
    dataloader = runner.test_dataloader
    dataset = dataloader.dataset
    root = data_root(dataset)
    arrays: Dict[str, np.ndarray] = {}
    keys: List[str] = []
    model = runner.model
    model.eval()
    for index in range(len(dataset)):
        info = dataset.get_data_info(index)
        paths = list(info['img_paths']) if 'img_paths' in info else [info['img_path']]
        frames = [(t, frame_key(p, root, info.get('patch_box')), p)
                  for t, p in enumerate(paths)]
        frames = [f for f in frames if f[1] not in keys][:num - len(keys)]
        if not frames:
            continue
        data = dataloader.collate_fn([dataset[index]])
        with torch.no_grad():
            sample = model.test_step(data)[0]
        preds = sample.pred_sem_seg.data.cpu().numpy()
        gts = sample.gt_sem_seg.data.cpu().numpy()
        for t, key, frame_path in frames:
            i = len(keys)
            arrays[f'pred_{i}'] = preds[t].astype(np.uint8)
            arrays[f'gt_{i}'] = gts[t].astype(np.uint8)
            arrays[f'img_{i}'] = _display_image(frame_path, data['inputs'][0], t,
                                                preds[t].shape)
            keys.append(key)
        if len(keys) >= num:
            break
    buffer = io.BytesIO()
    np.savez_compressed(buffer, keys=np.array(keys), **arrays)
    atomic_write_bytes(path, buffer.getvalue())
    return keys
