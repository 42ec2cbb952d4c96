# Pix2Seq RLE segmentor on IPSC at paper settings (TOKENIZATION.md sections 1 and 10):
# frames resized to 1280 x 1280, 640 x 640 training patches, masks subsampled x8 to 80 x 80,
# lac tokens (max_length 80), L = 512, PAD/EOS weight 0.1, empty patches kept with
# probability 0.1; AdamW lr 3e-5, weight decay 0.05, betas (0.9, 0.95), linear warm-up then
# linear decay. Test: whole resized frame, sliding 640 x 640 windows, max merge, top-p 0.4.
# Classes: background, ipsc, diff.
_base_ = [
    './_base_/models/p2s_rle.py', './_base_/datasets/ipsc.py',
    './_base_/default_runtime.py',
    './_base_/schedules/schedule_p2s_40k.py'
]

tokenizer = dict(
    scheme='lac', mask_size=80, num_classes=3, max_length=None, starts='flat', order='row',
    max_seq_len=512, pad_weight=0.1, subsample=dict(factor=8, mode='nearest'))
train_pipeline = _base_.train_load + _base_.train_augment + [
    dict(type='RLETokenize', tokenizer=tokenizer, empty_keep_prob=0.1),
    dict(type='PackRLESegInputs', meta_keys=_base_.meta_keys + ('token_stats', )),
]
train_dataloader = dict(batch_size=8, dataset=dict(pipeline=train_pipeline))
model = dict(
    tokenizer=tokenizer,
    test_cfg=dict(mode='slide', crop_size=(640, 640), stride=(640, 640), merge='max'))

custom_hooks = [dict(type='SafeCheckpointHook'), dict(type='VocabLayoutHook')]
