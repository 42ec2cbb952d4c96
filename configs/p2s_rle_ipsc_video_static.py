# Static-video model on IPSC at paper settings: the image model of p2s_rle.py
# (Pix2SeqSegmentor, 3-channel input) sees frame 0 of every 8-frame window only
# (VideoWindowDataset static=True -> FormatWindow passes frame 0) and is trained to output
# the whole window's tac sequence (task token 'static_video'); geometry, tokens, schedule
# and scoring as p2s_rle_ipsc_video.py.
_base_ = ['./p2s_rle_ipsc_video.py']

tokenizer = dict(
    scheme='tac', mask_size=80, num_classes=3, max_length=None, starts='flat', order='row',
    window=8, max_seq_len=3072, pad_weight=0.1, subsample=dict(factor=8, mode='nearest'),
    task='static_video')
model = dict(
    _delete_=True, type='Pix2SeqSegmentor', tokenizer=tokenizer,
    data_preprocessor=dict(
        type='SegDataPreProcessor', mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375], bgr_to_rgb=True, size=(640, 640), pad_val=0,
        seg_pad_val=255),
    backbone=_base_.model.backbone, d_model=_base_.model.d_model,
    encoder=_base_.model.encoder, decoder=_base_.model.decoder, loss=_base_.model.loss,
    test_cfg=_base_.model.test_cfg)
train_pipeline = _base_.train_load + [
    _base_.train_augment[0],
    dict(type='RLETokenize', tokenizer=tokenizer, empty_keep_prob=0.1),
    dict(type='FormatWindow', layout='channels'),
    dict(type='PackRLESegInputs', meta_keys=_base_.meta_keys),
]
train_dataloader = dict(dataset=dict(static=True, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(static=True))
test_dataloader = val_dataloader
