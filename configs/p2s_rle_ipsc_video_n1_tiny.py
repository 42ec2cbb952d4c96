# Window-length study at demo scale: p2s_rle_ipsc_video_tiny.py (N = 4) with N = 1
# frames per window (test stride N, the same 12 test frames).
_base_ = ['./p2s_rle_ipsc_video_tiny.py']

window = 1
tokenizer = dict(
    scheme='tac', mask_size=16, num_classes=3, max_length=None, starts='2d', order='row',
    window=window, max_seq_len=256, pad_weight=0.1, subsample=dict(factor=4, mode='nearest'))
model = dict(
    tokenizer=tokenizer,
    data_preprocessor=dict(mean=[123.675, 116.28, 103.53] * window,
                           std=[58.395, 57.12, 57.375] * window))
train_pipeline = _base_.train_load + [
    dict(type='WindowBroadcast', transforms=_base_.frame_augment),
    dict(type='RLETokenize', tokenizer=tokenizer),
    dict(type='FormatWindow', layout='channels'),
    dict(type='PackRLESegInputs', meta_keys=_base_.meta_keys),
]
test_pipeline = _base_.test_resized + [dict(type='RLETokenize', tokenizer=tokenizer)] + (
    _base_.test_load[2:] + [dict(type='PackRLESegInputs', meta_keys=_base_.meta_keys)])
train_dataloader = dict(dataset=dict(window=window, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(window=window, stride=window,
                                   pipeline=test_pipeline))
test_dataloader = val_dataloader
