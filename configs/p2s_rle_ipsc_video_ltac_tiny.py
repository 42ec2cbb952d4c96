# p2s_rle_ipsc_video_tiny.py with ltac tokens (lac on the time-as-class map: row, col, lac
# = 3 tokens per run instead of 4; 16 x 80 = 1280 lac ids).
_base_ = ['./p2s_rle_ipsc_video_tiny.py']

tokenizer = dict(
    scheme='ltac', mask_size=16, num_classes=3, max_length=None, starts='2d', order='row',
    window=4, max_seq_len=256, pad_weight=0.1, subsample=dict(factor=4, mode='nearest'))
model = dict(tokenizer=tokenizer)
train_pipeline = _base_.train_load + [
    dict(type='WindowBroadcast', transforms=_base_.frame_augment),
    dict(type='RLETokenize', tokenizer=tokenizer),
    dict(type='FormatWindow', layout='channels'),
    dict(type='PackRLESegInputs', meta_keys=_base_.meta_keys),
]
test_pipeline = _base_.test_resized + [dict(type='RLETokenize', tokenizer=tokenizer)] + (
    _base_.test_load[2:] + [dict(type='PackRLESegInputs', meta_keys=_base_.meta_keys)])
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
