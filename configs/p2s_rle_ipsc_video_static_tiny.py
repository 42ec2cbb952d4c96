# Static-video model at demo scale: the image model of p2s_rle_tiny.py (Pix2SeqSegmentor,
# 3-channel input) sees frame 0 of every 4-frame window only (VideoWindowDataset
# static=True -> FormatWindow passes frame 0) and is trained to output the whole window's
# tac sequence (task token 'static_video'). Scored frame by frame like the video models.
_base_ = [
    './_base_/models/p2s_rle_tiny.py', './_base_/datasets/ipsc_video_demo.py',
    './_base_/default_runtime.py', './_base_/schedules/schedule_tiny.py'
]

window = 4
tokenizer = dict(
    scheme='tac', mask_size=16, num_classes=3, max_length=None, starts='2d', order='row',
    window=window, max_seq_len=256, pad_weight=0.1, subsample=dict(factor=4, mode='nearest'),
    task='static_video')
model = dict(tokenizer=tokenizer)

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
    batch_size=4, dataset=dict(window=window, static=True, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(window=window, stride=window, static=True,
                                   pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(
    _delete_=True, type='VideoFrameMetric', merge='mode',
    metric=dict(type='PerClassSegMetric'))
test_evaluator = val_evaluator
custom_hooks = [dict(type='SafeCheckpointHook'), dict(type='VocabLayoutHook')]
