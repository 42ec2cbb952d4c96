# ARIS (Alberta River Ice Segmentation) as released by its authors, at paper scale.
# Layout under data_root (see rleseg/datasets/aris.py): images/img_N.tif and
# labels/img_N.tif, N = 1..50 (sorted numerically); labels are 3-channel grey TIFFs
# thresholded <64 water, 64-191 anchor ice, >=192 frazil ice (anti-aliased edges);
# splits/{train_4,train_8,train_16,train_24,train_28,train_32,val,test}.txt written once
# by `python tools/prepare_data.py splits aris --root data/aris`.
# Paper split: train on the first 4/8/16/24/32 images, test on images 33-50; validation
# = images 29-32, taken from the paper's training images, so the default training split
# is train_28 (train_32 overlaps val and is refused unless allow_split_overlap = True).
#
# Geometry, and why no model config edits these pipelines: see ipsc.py.
dataset_type = 'ARISDataset'
data_root = 'data/aris'
train_split = 'splits/train_28.txt'       # or train_4 / train_8 / train_16 / train_24
val_split = 'splits/val.txt'
test_split = 'splits/test.txt'
num_classes = 3                           # water, anchor_ice, frazil_ice
image_size = (1280, 1280)                 # R x R (w, h)
patch_size = 640                          # P (paper default; S = P / 8 = 80)
patch_stride_range = (320, 640)           # random grid step while training

meta_keys = ('img_path', 'seg_map_path', 'ori_shape', 'img_shape', 'pad_shape',
             'scale_factor', 'flip', 'flip_direction', 'reduce_zero_label', 'patch_box',
             'item')
train_augment = [
    dict(type='Resize', scale=image_size, keep_ratio=False),
    dict(type='ExtractPatch', patch_size=patch_size, stride_range=patch_stride_range),
    dict(type='RandomFlip', prob=0.5, direction=['horizontal', 'vertical']),
]
train_pipeline = [dict(type='LoadImageFromFile'), dict(type='LoadSegAnnotations')] + \
    train_augment + [dict(type='PackSegInputs', meta_keys=meta_keys)]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=image_size, keep_ratio=False),
    dict(type='LoadSegAnnotations'),
    dict(type='PackSegInputs', meta_keys=meta_keys),
]

train_dataloader = dict(
    batch_size=2, num_workers=4, persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, ann_file=train_split,
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1, num_workers=4, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, ann_file=val_split,
                 pipeline=test_pipeline))
test_dataloader = dict(
    batch_size=1, num_workers=4, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, ann_file=test_split,
                 pipeline=test_pipeline))
# The paper's per-class recall / precision / Dice / IoU, the same for every model.
val_evaluator = dict(type='PerClassSegMetric')
test_evaluator = val_evaluator
