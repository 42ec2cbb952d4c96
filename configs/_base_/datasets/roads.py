# Real satellite roads shipped with rleseg (rleseg/datasets/assets/roads:
# solaris/data/road_mask_input.tif and sample_road_raster_mask.tif in the solaris 0.4.0
# wheel, solaris Apache-2.0, a SpaceNet roads sample). `python tools/prepare_data.py`
# writes data/roads in mmseg's plain folder layout (see folder.py and
# rleseg/datasets/roads.py): 400 whole, non-overlapping 64 x 64 crops at native
# resolution (20 x 20 grid), split by position: train 200 / val 100 / test 100 (test =
# row mod 4 == column mod 4, val = row mod 4 == (column + 2) mod 4), 8-bit images
# (percentiles 1 / 99.8 of the tile). Labels 0 background / 1 road (3.3 % of pixels, a
# band about 12 px wide; most crops hold no road). Streets the release left unlabelled
# are background, not ignored (nothing marks them): no label value is 255, and
# reduce_zero_label stays False, so 0 is a class that every model is scored on.
# Crops are used whole (64 x 64, no resizing). Every paradigm trains with the shared
# strong augmentation, as on the nuclei crops.
_base_ = ['./folder.py', './strong_augment.py']

data_root = 'data/roads'
classes = ('background', 'road')
palette = [[0, 0, 0], [255, 200, 0]]
num_classes = 2
image_size = (64, 64)
train_prefix = dict(img_path='img_dir/train', seg_map_path='ann_dir/train')
val_prefix = dict(img_path='img_dir/val', seg_map_path='ann_dir/val')
test_prefix = dict(img_path='img_dir/test', seg_map_path='ann_dir/test')

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
