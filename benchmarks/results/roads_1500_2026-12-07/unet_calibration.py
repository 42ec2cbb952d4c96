"""How the plain UNet of this folder ranks road pixels on the roads val split, although it
predicts no road: p(road) on road and background pixels, the pixel ROC AUC, and the
dataset-level Dice of thresholding p(road) instead of taking the argmax (= 0.5).

    python benchmarks/results/roads_1500_2026-12-07/unet_calibration.py \
        work_dirs/roads_1500/unet_roads_tiny/seed_0/iter_1500.pth
"""
import glob
import sys

import numpy as np
import torch
from mmseg.apis import init_model
from PIL import Image

import rleseg  # noqa: F401  (registers rleseg's modules)


def main(checkpoint: str, config: str = 'configs/unet_roads_tiny.py') -> None:
    model = init_model(config, checkpoint, device='cpu').eval()
    pre = model.data_preprocessor
    probs, labels = [], []
    for path in sorted(glob.glob('data/roads/img_dir/val/*.png')):
        bgr = np.array(Image.open(path).convert('RGB'))[:, :, ::-1].copy()
        label = np.array(Image.open(path.replace('img_dir', 'ann_dir')))
        x = torch.from_numpy(bgr).permute(2, 0, 1).float()[None]
        x = x.flip(1) if pre.channel_conversion else x
        x = (x - pre.mean.view(1, -1, 1, 1)) / pre.std.view(1, -1, 1, 1)
        meta = [dict(img_shape=(64, 64), ori_shape=(64, 64), pad_shape=(64, 64))]
        with torch.no_grad():
            probs.append(model.encode_decode(x, meta).softmax(1)[0, 1].numpy().ravel())
        labels.append(label.ravel())
    p, y = np.concatenate(probs), np.concatenate(labels)
    print(f'{checkpoint}: {y.size} val pixels, road share {y.mean():.4f}')
    for name, part in (('road', p[y == 1]), ('background', p[y == 0])):
        print(f'p(road) on {name} pixels: mean {part.mean():.3f}, 90th percentile '
              f'{np.percentile(part, 90):.3f}, max {part.max():.3f}')
    order = np.argsort(-p)
    tp, fp = np.cumsum(y[order]), np.cumsum(1 - y[order])
    print(f'pixel ROC AUC {np.trapezoid(tp / tp[-1], fp / fp[-1]):.3f}')
    for threshold in (0.5, 0.3, 0.2, 0.1, 0.05):
        pred = p > threshold
        dice = 2 * (pred & (y == 1)).sum() / (pred.sum() + (y == 1).sum())
        print(f'p(road) > {threshold}: dataset road Dice {100 * dice:.1f}')


if __name__ == '__main__':
    main(*sys.argv[1:])
