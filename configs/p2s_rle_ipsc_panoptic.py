# Pix2Seq RLE panoptic model on IPSC at paper model size (p2s_rle.py): instance-wise
# sequences (per cell its binary runs, then its class token; TOKENIZATION.md section 8)
# from the class maps and the per-cell track ids of the XML annotations. Instances are not
# stitched across patches, so every frame is resized to 640 x 640 and used whole (P = R =
# 640, masks subsampled x8 to 80 x 80, flat starts, L = 1024). Prediction: semantic map,
# instance map, instances scored by their class-token probability (top-p 0.4 sampling).
# Scored by the per-class metric and PQ / SQ / RQ (IoU > 0.5). Schedule as p2s_rle_ipsc.py.
_base_ = [
    './_base_/models/p2s_rle.py', './_base_/datasets/ipsc.py',
    './_base_/default_runtime.py',
    './_base_/schedules/schedule_p2s_40k.py'
]

image_size = (640, 640)
tokenizer = dict(
    scheme='instance', mask_size=80, num_classes=3, max_length=None, starts='flat',
    order='row', max_seq_len=1024, pad_weight=0.1, subsample=dict(factor=8, mode='nearest'))
model = dict(
    type='Pix2SeqPanopticSegmentor', tokenizer=tokenizer, score_thr=0.0,
    data_preprocessor=dict(size=image_size), test_cfg=dict(mode='whole'))

meta_keys = _base_.meta_keys + ('token_stats', )
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadSegAnnotations', with_instances=True),
    dict(type='Resize', scale=image_size, keep_ratio=False),
    dict(type='RandomFlip', prob=0.5, direction=['horizontal', 'vertical']),
    dict(type='RLETokenize', tokenizer=tokenizer, empty_keep_prob=0.1),
    dict(type='PackRLESegInputs', meta_keys=meta_keys),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=image_size, keep_ratio=False),
    dict(type='LoadSegAnnotations', with_instances=True),
    dict(type='PackRLESegInputs', meta_keys=meta_keys),
]
train_dataloader = dict(batch_size=8, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = [dict(type='PerClassSegMetric'), dict(type='PanopticQualityMetric')]
test_evaluator = val_evaluator

custom_hooks = [dict(type='SafeCheckpointHook'), dict(type='VocabLayoutHook')]
