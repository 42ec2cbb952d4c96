# Pix2Seq RLE video model on IPSC at paper settings (TOKENIZATION.md section 7): windows of
# N = 8 consecutive frames (training stride 1, test stride 8, the image models' split
# files), every frame resized to 1280 x 1280, one 640 x 640 patch per training window
# (the same box and flip for every frame), masks subsampled x8 to 80 x 80, tac tokens
# (time as class: C^N - 1 = 6560 classes), L = 3072, PAD/EOS weight 0.1. Every frame
# goes through the shared ResNet-50 + 6-layer encoder of p2s_rle.py; middle fusion
# (frame 0 cross-attends to the other frames in the last encoder layer). Test: whole
# resized frames, sliding 640 x 640 windows (max merge), top-p 0.4; overlapping window
# predictions are merged per frame (mode) and every test frame is scored once at full
# resolution (VideoFrameMetric). Schedule as p2s_rle_ipsc.py.
_base_ = [
    './_base_/models/p2s_rle.py', './_base_/datasets/ipsc_video.py',
    './_base_/default_runtime.py',
    './_base_/schedules/schedule_p2s_40k.py'
]

window = 8
tokenizer = dict(
    scheme='tac', mask_size=80, num_classes=3, max_length=None, starts='flat', order='row',
    window=window, max_seq_len=3072, pad_weight=0.1, subsample=dict(factor=8, mode='nearest'))
data_preprocessor = dict(
    type='SegDataPreProcessor', mean=[123.675, 116.28, 103.53] * window,
    std=[58.395, 57.12, 57.375] * window, bgr_to_rgb=False, pad_val=0, seg_pad_val=255)
model = dict(
    type='Pix2SeqVideoSegmentor', fusion='middle', tokenizer=tokenizer,
    data_preprocessor=data_preprocessor,
    test_cfg=dict(mode='slide', crop_size=(640, 640), stride=(640, 640), merge='max',
                  window_batch=2))

meta_keys = _base_.video_meta_keys + ('token_stats', )
train_pipeline = _base_.train_load + [
    _base_.train_augment[0],                     # WindowBroadcast(resize, patch, flip)
    dict(type='RLETokenize', tokenizer=tokenizer, empty_keep_prob=0.1),
    dict(type='FormatWindow', layout='channels'),
    dict(type='PackRLESegInputs', meta_keys=meta_keys),
]
test_pipeline = _base_.test_load + [dict(type='PackRLESegInputs', meta_keys=meta_keys)]
train_dataloader = dict(
    batch_size=2, dataset=dict(window=window, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(window=window, stride=window, pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(
    _delete_=True, type='VideoFrameMetric', merge='mode',
    metric=dict(type='PerClassSegMetric'))
test_evaluator = val_evaluator

custom_hooks = [dict(type='SafeCheckpointHook'), dict(type='VocabLayoutHook')]
