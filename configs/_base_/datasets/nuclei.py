# Real fluorescence nuclei shipped with rleseg (rleseg/datasets/assets/nuclei: the top
# half of the 2018 Data Science Bowl stage-1 training image shipped as
# stardist/data/images/img2d.tif and mask2d.tif in the stardist 0.9.2 wheel; stardist
# BSD-3-Clause, image from BBBC038, CC0). `python tools/prepare_data.py` writes data/nuclei
# in mmseg's plain folder layout (see folder.py and rleseg/datasets/nuclei.py): 32 whole,
# non-overlapping 64 x 64 crops of the 256 x 512 image, fixed split by position: train 16 /
# val 8 / test 8 (test = the diagonal crops, row == column mod 4; val = the diagonal shifted
# by two rows, row == (column + 2) mod 4), 8-bit images (percentiles 1 / 99.8 of the whole
# image), labels 0 background / 1 nucleus, per-crop instance ids in inst_dir. Settings
# are chosen on val (learning curves, --select); test is only reported.
# Crops are used whole (64 x 64, no resizing). Every paradigm trains with the same
# augmentation, train_pipeline_strong below (its effect on each paradigm, 3 seeds x 1,500
# iterations, is in docs/results.md); train_pipeline (flips only) is what the p2s-ablation
# configs start from.
_base_ = ['./folder.py', './strong_augment.py']

data_root = 'data/nuclei'
classes = ('background', 'nucleus')
palette = [[0, 0, 0], [255, 80, 80]]
num_classes = 2
image_size = (64, 64)
train_prefix = dict(img_path='img_dir/train', seg_map_path='ann_dir/train',
                    inst_map_path='inst_dir/train')
val_prefix = dict(img_path='img_dir/val', seg_map_path='ann_dir/val',
                  inst_map_path='inst_dir/val')
test_prefix = dict(img_path='img_dir/test', seg_map_path='ann_dir/test',
                   inst_map_path='inst_dir/test')

# Stronger augmentation for small data (p2s-ablation lever e; strong_augment.py), the
# default train pipeline of every paradigm on these crops.
train_pipeline_strong = [dict(type='LoadImageFromFile'), dict(type='LoadSegAnnotations')] + \
    _base_.strong_augment + [dict(type='PackSegInputs', meta_keys=_base_.meta_keys)]

metainfo = dict(classes=classes, palette=palette)
train_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, data_prefix=train_prefix, metainfo=metainfo,
                 pipeline=train_pipeline_strong))
val_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, data_prefix=val_prefix, metainfo=metainfo))
test_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, data_prefix=test_prefix, metainfo=metainfo))
