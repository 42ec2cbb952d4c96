# IPSC (iPSC time-lapse microscopy, arXiv 2305.14575) as released by its authors, at
# paper scale. Layout under data_root (see rleseg/datasets/ipsc.py):
#   <roi_x1_y1_x2_y2>/imageNNN.jpg, masks/imageNNN.png (palette 0/1/2) or
#   annotations/imageNNN.xml; splits/{test,val,train_early,train_late}.txt, written once
#   by `python tools/prepare_data.py splits ipsc --root data/ipsc`.
# Split by sorted frame index of every sequence: the paper's test 0-15 and late-stage
# train 54-126; validation 16-27, taken from the start of the paper's early-stage
# training range (train_early keeps 28-53). Settings are chosen on val, test is only
# reported. Every model config of IPSC reads these split files.
#
# Geometry (docs/tokenizer.md): every frame is resized to image_size (R x R),
# training takes one patch_size (P) window from a grid whose steps are drawn from
# patch_stride_range; the token mask subsampling P -> S is the tokenizer's.
# Evaluation feeds the whole resized frame and scores at full resolution (the ground
# truth is loaded after the resize); sliding-window models stitch their P x P predictions
# with rleseg.datasets.stitch_patches.
#
# The pipelines are shared unchanged by every model config (docs/design.md): the token
# model tokenises the ground truth in its data preprocessor (Pix2SeqDataPreProcessor).
dataset_type = 'IPSCDataset'
data_root = 'data/ipsc'
train_split = 'splits/train_late.txt'     # or 'splits/train_early.txt'
val_split = 'splits/val.txt'
test_split = 'splits/test.txt'
num_classes = 3                           # background, ipsc, diff
image_size = (1280, 1280)                 # R x R (w, h); frames are 1700x900 .. 4333x3833
patch_size = 640                          # P (paper default; S = P / 8 = 80)
patch_stride_range = (320, 640)           # random grid step while training
frames_per_sequence = 127                 # checked when the dataset is built

meta_keys = ('img_path', 'seg_map_path', 'ori_shape', 'img_shape', 'pad_shape',
             'scale_factor', 'flip', 'flip_direction', 'reduce_zero_label', 'patch_box',
             'item', 'sequence', 'frame_index')
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
                 frames_per_sequence=frames_per_sequence, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1, num_workers=4, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, ann_file=val_split,
                 frames_per_sequence=frames_per_sequence, pipeline=test_pipeline))
test_dataloader = dict(
    batch_size=1, num_workers=4, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, ann_file=test_split,
                 frames_per_sequence=frames_per_sequence, pipeline=test_pipeline))
# The paper's per-class recall / precision / Dice / IoU, the same for every model.
val_evaluator = dict(type='PerClassSegMetric')
test_evaluator = val_evaluator
