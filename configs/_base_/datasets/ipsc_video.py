# IPSC video windows at paper scale: items are windows of `window` consecutive frames of
# one sequence (VideoWindowDataset over IPSCDataset, same split files as the image
# models). Training stride 1, testing stride `window` (non-overlapping; a last window is
# aligned to each sequence's end). Every frame of a window gets the same random
# resize/patch/flip (WindowBroadcast). FormatWindow(layout='channels') stacks the N frames
# as 3N channels (PackSegInputs -> inputs (3N, H, W), gt_sem_seg (N, H, W)), so the
# model's data_preprocessor needs mean/std repeated N times and bgr_to_rgb=False; with
# static=True the input is frame 0 only (3 channels) and the target all N masks.
# Items carry frame_ids (sorted frame indices) and sequence, so predictions are merged
# back per frame with rleseg.datasets.stitch_windows.
_base_ = ['./ipsc.py']

window = 8                                # N (paper: 8 for IPSC)
train_stride = 1
test_stride = 8
static = False

video_meta_keys = _base_.meta_keys + ('frame_ids', 'frame_stems', 'window_index',
                                      'num_frames', 'static_window')
train_pipeline = [
    dict(type='LoadWindowFrames'),
    dict(type='WindowBroadcast', transforms=_base_.train_augment),
    dict(type='FormatWindow', layout='channels'),
    dict(type='PackSegInputs', meta_keys=video_meta_keys),
]
test_pipeline = [
    dict(type='LoadWindowFrames', with_seg=False),
    dict(type='WindowBroadcast',
         transforms=[dict(type='Resize', scale=_base_.image_size, keep_ratio=False)]),
    dict(type='LoadWindowFrames', with_img=False),
    dict(type='FormatWindow', layout='channels'),
    dict(type='PackSegInputs', meta_keys=video_meta_keys),
]

train_dataloader = dict(dataset=dict(
    _delete_=True, type='VideoWindowDataset', window=window, stride=train_stride,
    static=static, pipeline=train_pipeline,
    dataset=dict(type=_base_.dataset_type, data_root=_base_.data_root,
                 ann_file=_base_.train_split,
                 frames_per_sequence=_base_.frames_per_sequence)))
val_dataloader = dict(dataset=dict(
    _delete_=True, type='VideoWindowDataset', window=window, stride=test_stride,
    static=static, pipeline=test_pipeline,
    dataset=dict(type=_base_.dataset_type, data_root=_base_.data_root,
                 ann_file=_base_.val_split,
                 frames_per_sequence=_base_.frames_per_sequence)))
test_dataloader = dict(dataset=dict(
    _delete_=True, type='VideoWindowDataset', window=window, stride=test_stride,
    static=static, pipeline=test_pipeline,
    dataset=dict(type=_base_.dataset_type, data_root=_base_.data_root,
                 ann_file=_base_.test_split,
                 frames_per_sequence=_base_.frames_per_sequence)))
# Every test frame is scored once at full resolution (overlapping window predictions
# merged by mode), by the per-class metric.
val_evaluator = dict(
    _delete_=True, type='VideoFrameMetric', merge='mode',
    metric=dict(type='PerClassSegMetric'))
test_evaluator = val_evaluator
