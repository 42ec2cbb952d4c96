# IPSC video windows on the generated demo data (data/ipsc_demo, see ipsc_demo.py):
# windows of 4 frames resized to 64x64; train = train_late frames 12-23 with stride 1
# (27 windows), val = frames 4-7 and test = frames 0-3, each with stride 4 (3 windows, one
# per sequence).
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
train_pipeline = _base_.train_pipeline[:1] + [
    dict(type='WindowBroadcast', transforms=frame_augment)] + _base_.train_pipeline[2:]
test_pipeline = _base_.test_pipeline[:1] + [
    dict(type='WindowBroadcast',
         transforms=[dict(type='Resize', scale=image_size, keep_ratio=False)]),
] + _base_.test_pipeline[2:]

train_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(window=window, pipeline=train_pipeline,
                 dataset=dict(data_root=data_root, frames_per_sequence=None)))
val_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(window=window, stride=test_stride, pipeline=test_pipeline,
                 dataset=dict(data_root=data_root, frames_per_sequence=None)))
test_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(window=window, stride=test_stride, pipeline=test_pipeline,
                 dataset=dict(data_root=data_root, frames_per_sequence=None)))
