# CPU-sized Pix2Seq RLE *panoptic* model on the generated IPSC-like demo data
# (data/ipsc_demo, the image models' split files; 64 x 64 frames used whole). Targets are
# instance-wise sequences (TOKENIZATION.md section 8: per cell its binary runs, then its
# class token) written by RLETokenize from the class map and the per-cell track ids of the
# XML annotations. Masks are subsampled x2 only (S = 32: at x4 two neighbouring cells merge
# and even perfect tokens score PQ ~45), 2-D starts, L = 256. Prediction: semantic map,
# instance map, instances scored by their class-token probability. Scored by the per-class
# metric and by PQ / SQ / RQ (IoU > 0.5).
_base_ = [
    './_base_/models/p2s_rle_tiny.py', './_base_/datasets/ipsc_demo.py',
    './_base_/default_runtime.py', './_base_/schedules/schedule_tiny.py'
]

tokenizer = dict(
    scheme='instance', mask_size=32, num_classes=3, max_length=None, starts='2d',
    order='row', max_seq_len=256, pad_weight=0.1, subsample=dict(factor=2, mode='nearest'))
model = dict(type='Pix2SeqPanopticSegmentor', tokenizer=tokenizer, score_thr=0.0)

meta_keys = _base_.meta_keys + ('token_stats', )
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadSegAnnotations', with_instances=True),
] + _base_.train_augment + [
    dict(type='RLETokenize', tokenizer=tokenizer),
    dict(type='PackRLESegInputs', meta_keys=meta_keys),
]
# instance tokens of the test ground truth at the input size (sequence statistics),
# then the annotations reloaded at full resolution for scoring
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadSegAnnotations', with_instances=True),
    dict(type='Resize', scale=_base_.image_size, keep_ratio=False),
    dict(type='RLETokenize', tokenizer=tokenizer),
    dict(type='LoadSegAnnotations', with_instances=True),
    dict(type='PackRLESegInputs', meta_keys=meta_keys),
]
train_dataloader = dict(batch_size=4, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = [dict(type='PerClassSegMetric'), dict(type='PanopticQualityMetric')]
test_evaluator = val_evaluator
custom_hooks = [dict(type='SafeCheckpointHook'), dict(type='VocabLayoutHook')]
