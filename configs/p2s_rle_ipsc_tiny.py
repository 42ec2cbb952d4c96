# CPU-sized Pix2Seq RLE segmentor on the generated IPSC-like demo data (data/ipsc_demo,
# written by `python tools/prepare_data.py`): 64 x 64 frames used whole, masks
# subsampled x4 to 16 x 16, lac tokens with 2-D starts, L = 256, greedy decoding, the
# tiny schedule (AdamW, a few hundred iterations). Same model class as p2s_rle_ipsc.py.
_base_ = [
    './_base_/models/p2s_rle_tiny.py', './_base_/datasets/ipsc_demo.py',
    './_base_/default_runtime.py', './_base_/schedules/schedule_tiny.py'
]

tokenizer = dict(
    scheme='lac', mask_size=16, num_classes=3, max_length=None, starts='2d', order='row',
    max_seq_len=256, pad_weight=0.1, subsample=dict(factor=4, mode='nearest'))
meta_keys = _base_.meta_keys + ('token_stats', )
train_pipeline = _base_.train_pipeline[:-1] + [
    dict(type='RLETokenize', tokenizer=tokenizer),
    dict(type='PackRLESegInputs', meta_keys=meta_keys),
]
# ground-truth tokens of the test images for the sequence statistics (see the base)
test_pipeline = _base_.test_resized + [dict(type='RLETokenize', tokenizer=tokenizer)] + (
    _base_.test_load[-1:] + [dict(type='PackRLESegInputs', meta_keys=meta_keys)])
train_dataloader = dict(batch_size=4, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
model = dict(tokenizer=tokenizer)
custom_hooks = [dict(type='SafeCheckpointHook'), dict(type='VocabLayoutHook')]
