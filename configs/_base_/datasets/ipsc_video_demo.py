# IPSC video windows on the generated demo data (data/ipsc_demo, see ipsc_demo.py):
# windows of 4 frames resized to 64x64; train = train_late frames 12-23 with stride 1
# (27 windows), test = frames 0-3 with stride 4 (3 windows, one per sequence).
_base_ = ['./ipsc_video.py']

data_root = 'data/ipsc_demo'
image_size = (64, 64)
patch_size = 64
window = 4
test_stride = 4

frame_augment = [
    dict(type='Resize', scale=image_size, keep_ratio=False),
    dict(type='ExtractPatch', patch_size=patch_size),
    dict(type='RandomFlip', prob=0.5, direction=['horizontal', 'vertical']),
]
train_augment = [
    dict(type='WindowBroadcast', transforms=frame_augment),
    dict(type='FormatWindow', layout='channels'),
]
train_pipeline = _base_.train_load + train_augment + _base_.train_pack
test_load = [
    dict(type='LoadWindowFrames', with_seg=False),
    dict(type='WindowBroadcast',
         transforms=[dict(type='Resize', scale=image_size, keep_ratio=False)]),
    dict(type='LoadWindowFrames', with_img=False),
    dict(type='FormatWindow', layout='channels'),
]
test_pipeline = test_load + _base_.test_pack
# Token models tokenise the test windows' ground truth at the model's input size
# (sequence statistics), then reload it at full resolution for scoring:
# test_resized + [RLETokenize] + test_load[2:] + [PackRLESegInputs].
test_resized = [
    dict(type='LoadWindowFrames'),
    dict(type='WindowBroadcast',
         transforms=[dict(type='Resize', scale=image_size, keep_ratio=False)]),
]

train_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(window=window, pipeline=train_pipeline,
                 dataset=dict(data_root=data_root, frames_per_sequence=None)))
val_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(window=window, stride=test_stride, pipeline=test_pipeline,
                 dataset=dict(data_root=data_root, frames_per_sequence=None)))
test_dataloader = val_dataloader
