# The real HeLa time-lapse frames one by one, for per-frame models (UNet, DeepLabV3+,
# Mask2Former, the image token model): the frames of data/hela_video (see hela_video.py
# for origin, licence, citation and the split; labels are an automatic segmentation),
# read by VideoFolderDataset without the window wrapper, so every per-frame model and
# every video model is scored on the same frames. Items are <sequence>/<frame>: train 900
# / val 400 / test 400 frames of 64 x 64, used whole; per-frame instance ids in inst_dir.
# Training augmentation: the strong augmentation of the image configs (strong_augment.py:
# zoom-in, 8 flips / rotations, brightness / contrast), the same that every frame of a
# video window gets (hela_video.py), so every paradigm trains with it.
_base_ = ['./folder.py', './strong_augment.py']

dataset_type = 'VideoFolderDataset'
data_root = 'data/hela_video'
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

train_pipeline_strong = [dict(type='LoadImageFromFile'), dict(type='LoadSegAnnotations')] + \
    _base_.strong_augment + [dict(type='PackSegInputs', meta_keys=_base_.meta_keys)]

metainfo = dict(classes=classes, palette=palette)
train_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(type=dataset_type, data_root=data_root, data_prefix=train_prefix,
                 metainfo=metainfo, pipeline=train_pipeline_strong))
val_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(type=dataset_type, data_root=data_root, data_prefix=val_prefix,
                 metainfo=metainfo))
test_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(type=dataset_type, data_root=data_root, data_prefix=test_prefix,
                 metainfo=metainfo))
