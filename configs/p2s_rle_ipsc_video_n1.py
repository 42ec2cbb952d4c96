# Window-length study at paper scale: p2s_rle_ipsc_video.py (N = 8) with N = 1 frames per
# window (tac, test stride N, the same test frames).
_base_ = ['./p2s_rle_ipsc_video.py']

window = 1
tokenizer = dict(
    scheme='tac', mask_size=80, num_classes=3, max_length=None, starts='flat', order='row',
    window=window, max_seq_len=3072, pad_weight=0.1, subsample=dict(factor=8, mode='nearest'))
model = dict(
    tokenizer=tokenizer,
    data_preprocessor=dict(mean=[123.675, 116.28, 103.53] * window,
                           std=[58.395, 57.12, 57.375] * window))
train_pipeline = _base_.train_load + [
    _base_.train_augment[0],
    dict(type='RLETokenize', tokenizer=tokenizer, empty_keep_prob=0.1),
    dict(type='FormatWindow', layout='channels'),
    dict(type='PackRLESegInputs', meta_keys=_base_.meta_keys),
]
train_dataloader = dict(dataset=dict(window=window, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(window=window, stride=window))
test_dataloader = val_dataloader
