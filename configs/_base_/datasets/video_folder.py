# Template: your own video in mmseg's plain folder layout with one folder per sequence
# (rleseg VideoFolderDataset, wrapped into windows by VideoWindowDataset). Copy this file
# (do not edit it in place: hela_video.py inherits it), then set data_root, classes /
# palette / num_classes, image_size, window and the suffixes. Layout under data_root:
#
#   img_dir/{train,val,test}/<sequence>/<frame><img_suffix>      frames (grey images are
#                                                                read as 3 channels)
#   ann_dir/{train,val,test}/<sequence>/<frame><seg_map_suffix>  labels: class ids 0..C-1
#                                                                as grey or palette PNG
#                                                                (255 = ignore)
#
# Frames of a sequence are ordered by name (natural order); the last number of a frame
# name is its frame number and consecutive frames must differ by frame_step (1: a gap is
# reported as a missing frame). Every frame needs its label; every frame of a sequence
# has one size. Three splits, no sequence in two of them: settings are chosen on val,
# test is only reported.
#
# Items are windows of `window` consecutive frames of one sequence: training stride 1,
# val / test stride `window` (non-overlapping; a last window aligned to each sequence's
# end). Every frame of a window gets the same random resize / flip (WindowBroadcast);
# FormatWindow(layout='channels') stacks the N frames as 3N channels (inputs (3N, H, W),
# gt_sem_seg (N, H, W)), so a model's data_preprocessor needs mean / std repeated N times
# and bgr_to_rgb=False. Every val / test frame is scored once at full resolution, by the
# per-class metric (overlapping window predictions merged by mode). Per-frame models read
# the same frames with VideoFolderDataset itself (no window wrapper; see hela.py).
# Every paradigm on it in one command: `python tools/benchmark.py --dataset <copy>`.
# Build a dataset of it:
#   mmseg.registry.DATASETS.build(Config.fromfile(<copy>).test_dataloader.dataset)
frame_dataset_type = 'VideoFolderDataset'
data_root = 'data/my_video'
classes = ('background', 'foreground')     # one name per label id
palette = [[0, 0, 0], [255, 0, 0]]         # optional: one RGB colour per class
num_classes = 2                            # len(classes)
img_suffix = '.png'
seg_map_suffix = '.png'
frame_step = 1                             # difference of consecutive frame numbers
train_prefix = dict(img_path='img_dir/train', seg_map_path='ann_dir/train')
val_prefix = dict(img_path='img_dir/val', seg_map_path='ann_dir/val')
test_prefix = dict(img_path='img_dir/test', seg_map_path='ann_dir/test')
image_size = (64, 64)                      # (w, h) every frame is resized to
window = 4                                 # N frames per item
train_stride = 1
test_stride = 4                            # = window: every frame predicted once
static = False                             # True: the model sees frame 0 of each window

meta_keys = ('img_path', 'seg_map_path', 'ori_shape', 'img_shape', 'pad_shape',
             'scale_factor', 'flip', 'flip_direction', 'reduce_zero_label', 'item',
             'sequence', 'frame_ids', 'frame_stems', 'window_index', 'num_frames',
             'static_window')
frame_augment = [
    dict(type='Resize', scale=image_size, keep_ratio=False),
    dict(type='RandomFlip', prob=0.5, direction=['horizontal', 'vertical']),
]
train_pipeline = [
    dict(type='LoadWindowFrames'),
    dict(type='WindowBroadcast', transforms=frame_augment),
    dict(type='FormatWindow', layout='channels'),
    dict(type='PackSegInputs', meta_keys=meta_keys),
]
test_pipeline = [
    dict(type='LoadWindowFrames', with_seg=False),
    dict(type='WindowBroadcast',
         transforms=[dict(type='Resize', scale=image_size, keep_ratio=False)]),
    dict(type='LoadWindowFrames', with_img=False),
    dict(type='FormatWindow', layout='channels'),
    dict(type='PackSegInputs', meta_keys=meta_keys),
]

metainfo = dict(classes=classes, palette=palette)
frames = dict(type=frame_dataset_type, data_root=data_root, img_suffix=img_suffix,
              seg_map_suffix=seg_map_suffix, frame_step=frame_step, metainfo=metainfo)
train_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type='VideoWindowDataset', window=window, stride=train_stride,
                 static=static, pipeline=train_pipeline,
                 dataset=dict(frames, data_prefix=train_prefix)))
val_dataloader = dict(
    batch_size=1, num_workers=0, persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='VideoWindowDataset', window=window, stride=test_stride,
                 static=static, pipeline=test_pipeline,
                 dataset=dict(frames, data_prefix=val_prefix)))
test_dataloader = dict(
    batch_size=1, num_workers=0, persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='VideoWindowDataset', window=window, stride=test_stride,
                 static=static, pipeline=test_pipeline,
                 dataset=dict(frames, data_prefix=test_prefix)))
val_evaluator = dict(type='VideoFrameMetric', merge='mode',
                     metric=dict(type='PerClassSegMetric'))
test_evaluator = val_evaluator
