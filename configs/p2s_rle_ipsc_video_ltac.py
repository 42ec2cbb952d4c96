# p2s_rle_ipsc_video.py with ltac tokens (2 per run: start, lac). ltac needs
# max_length * (C^N - 1) lac ids: 80 x 6560 = 524,800 for N = 8, too large an output
# layer for L = 3072 (3072 x 525k logits per window), so the window is N = 4 here
# (80 x 80 = 6400 lac ids); see the window-length study for tac at N = 4.
_base_ = ['./p2s_rle_ipsc_video.py']

window = 4
tokenizer = dict(
    scheme='ltac', mask_size=80, num_classes=3, max_length=None, starts='flat', order='row',
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
