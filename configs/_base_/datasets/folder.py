# Template: your own dataset in mmseg's plain folder layout (rleseg FolderSegDataset).
# Copy this file (do not edit it in place: nuclei.py inherits it), then set data_root,
# classes / palette / num_classes, image_size and the suffixes. Layout under data_root:
#
#   img_dir/{train,val,test}/<stem><img_suffix>     images (grey images are read as 3
#                                                   channels)
#   ann_dir/{train,val,test}/<stem><seg_map_suffix> labels: class ids 0..C-1 as grey or
#                                                   palette PNG (255 = ignore)
#   inst_dir/{train,val,test}/<stem>.png            optional: instance ids, 8/16-bit grey,
#                                                   0 = none (panoptic models); add
#                                                   inst_map_path='inst_dir/<split>' below
#
# With instance maps, every split's prefix names its folder, e.g.
#   train_prefix = dict(img_path='img_dir/train', seg_map_path='ann_dir/train',
#                       inst_map_path='inst_dir/train')
# and `tools/benchmark.py --dataset <copy> --suite panoptic-paradigms` loads and packs
# them for every model (as nuclei_panoptic.py does) and scores PQ next to the per-class
# metric; an instance map must have its image's size.
#
# Three splits, no item in two of them: settings (budgets, checkpoints, levers) are chosen
# on val and test is only reported; tools/train.py, tools/test.py and tools/benchmark.py
# refuse a config whose splits share items (set allow_split_overlap = True to overrule).
# No val folder? Carve it out of train by position instead, e.g. the last of 5 folds:
#   val_dataloader = dict(dataset=dict(_delete_=True, type='FoldDataset', num_folds=5,
#       fold=4, role='val', dataset=<the train dataset dict>, pipeline=test_pipeline))
# with role='train' for train_dataloader; or cross-validate with
# `tools/benchmark.py --folds K` (K models, each validated on the fold it left out).
#
# Every image needs its label and every label its image. Items: every image of the folder
# (natural order), or the stems listed by an optional split file (ann_file, one stem per
# line, relative to img_path). Images are resized to image_size and used whole; the
# ground truth is scored at full resolution. Build a dataset of it:
#   mmseg.registry.DATASETS.build(Config.fromfile(<copy>).test_dataloader.dataset)
dataset_type = 'FolderSegDataset'
data_root = 'data/my_dataset'
classes = ('background', 'foreground')     # one name per label id
palette = [[0, 0, 0], [255, 0, 0]]         # optional: one RGB colour per class
num_classes = 2                            # len(classes)
img_suffix = '.png'
seg_map_suffix = '.png'
train_prefix = dict(img_path='img_dir/train', seg_map_path='ann_dir/train')
val_prefix = dict(img_path='img_dir/val', seg_map_path='ann_dir/val')
test_prefix = dict(img_path='img_dir/test', seg_map_path='ann_dir/test')
train_split = ''                           # optional split file, e.g. 'splits/train.txt'
val_split = ''
test_split = ''
image_size = (64, 64)                      # (w, h) every image is resized to

meta_keys = ('img_path', 'seg_map_path', 'ori_shape', 'img_shape', 'pad_shape',
             'scale_factor', 'flip', 'flip_direction', 'reduce_zero_label', 'item')
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadSegAnnotations'),
    dict(type='Resize', scale=image_size, keep_ratio=False),
    dict(type='RandomFlip', prob=0.5, direction=['horizontal', 'vertical']),
    dict(type='PackSegInputs', meta_keys=meta_keys),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=image_size, keep_ratio=False),
    dict(type='LoadSegAnnotations'),
    dict(type='PackSegInputs', meta_keys=meta_keys),
]

metainfo = dict(classes=classes, palette=palette)
train_dataloader = dict(
    batch_size=4, num_workers=2, persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, data_prefix=train_prefix,
                 ann_file=train_split, img_suffix=img_suffix,
                 seg_map_suffix=seg_map_suffix, metainfo=metainfo,
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1, num_workers=2, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, data_prefix=val_prefix,
                 ann_file=val_split, img_suffix=img_suffix,
                 seg_map_suffix=seg_map_suffix, metainfo=metainfo,
                 pipeline=test_pipeline))
test_dataloader = dict(
    batch_size=1, num_workers=2, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, data_prefix=test_prefix,
                 ann_file=test_split, img_suffix=img_suffix,
                 seg_map_suffix=seg_map_suffix, metainfo=metainfo,
                 pipeline=test_pipeline))
# The paper's per-class recall / precision / Dice / IoU, the same for every model.
val_evaluator = dict(type='PerClassSegMetric')
test_evaluator = val_evaluator
