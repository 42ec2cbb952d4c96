# CPU-sized Pix2Seq RLE *video* model on the generated IPSC-like demo windows
# (data/ipsc_demo; windows of N = 4 consecutive 64 x 64 frames, test = frames 0-3 of every
# sequence, the image models' test split). Every frame goes through the shared tiny
# backbone + encoder of p2s_rle_tiny.py; middle fusion (frame 0 cross-attends to the other
# frames in the last encoder layer); the decoder generates the window's tac sequence
# (time-as-class: C^N - 1 = 80 classes, S = 16, 2-D starts, L = 256). Test windows are
# scored frame by frame by VideoFrameMetric (overlaps merged by mode, each frame once).
# Variants: *_late_tiny (late fusion), *_ltac_tiny, *_static_tiny, *_n1/_n2_tiny (window).
_base_ = [
    './_base_/models/p2s_rle_tiny.py', './_base_/datasets/ipsc_video_demo.py',
    './_base_/default_runtime.py', './_base_/schedules/schedule_tiny.py'
]

window = 4
tokenizer = dict(
    scheme='tac', mask_size=16, num_classes=3, max_length=None, starts='2d', order='row',
    window=window, max_seq_len=256, pad_weight=0.1, subsample=dict(factor=4, mode='nearest'))
# N frames stacked along channels (FormatWindow layout 'channels'): statistics repeated N
# times; the IPSC frames are grey, so BGR order is kept (bgr_to_rgb only acts on 3 channels).
data_preprocessor = dict(
    type='SegDataPreProcessor', mean=[123.675, 116.28, 103.53] * window,
    std=[58.395, 57.12, 57.375] * window, bgr_to_rgb=False, pad_val=0, seg_pad_val=255)
model = dict(
    type='Pix2SeqVideoSegmentor', fusion='middle', tokenizer=tokenizer,
    data_preprocessor=data_preprocessor)

meta_keys = _base_.video_meta_keys + ('token_stats', )
train_pipeline = _base_.train_load + [
    dict(type='WindowBroadcast', transforms=_base_.frame_augment),
    dict(type='RLETokenize', tokenizer=tokenizer),
    dict(type='FormatWindow', layout='channels'),
    dict(type='PackRLESegInputs', meta_keys=meta_keys),
]
# ground-truth tokens of the test windows for the sequence statistics (see the base)
test_pipeline = _base_.test_resized + [dict(type='RLETokenize', tokenizer=tokenizer)] + (
    _base_.test_load[2:] + [dict(type='PackRLESegInputs', meta_keys=meta_keys)])
train_dataloader = dict(
    batch_size=4, dataset=dict(window=window, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(window=window, stride=window, pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(
    _delete_=True, type='VideoFrameMetric', merge='mode',
    metric=dict(type='PerClassSegMetric'))
test_evaluator = val_evaluator
custom_hooks = [dict(type='SafeCheckpointHook'), dict(type='VocabLayoutHook')]
