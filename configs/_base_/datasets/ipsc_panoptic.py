# IPSC for panoptic models at paper model size: class maps plus per-cell instance maps
# (track ids of the XML annotations; LoadSegAnnotations(with_instances=True), packed by
# PackRLESegInputs). Instances are not stitched across patches, so every frame is resized
# to 640 x 640 and used whole (P = R = 640), in training and test. Scored by the
# per-class metric and PQ / SQ / RQ (IoU > 0.5). Shared by every panoptic model config.
_base_ = ['./ipsc.py']

image_size = (640, 640)
patch_size = 640
load_instances = dict(type='LoadSegAnnotations', with_instances=True)
pack = dict(type='PackRLESegInputs', meta_keys=_base_.meta_keys)
train_pipeline = [
    dict(type='LoadImageFromFile'), load_instances,
    dict(type='Resize', scale=image_size, keep_ratio=False),
    dict(type='RandomFlip', prob=0.5, direction=['horizontal', 'vertical']), pack,
]
test_pipeline = _base_.test_pipeline[:1] + [
    dict(type='Resize', scale=image_size, keep_ratio=False), load_instances, pack]

train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
val_evaluator = [dict(type='PerClassSegMetric'), dict(type='PanopticQualityMetric')]
test_evaluator = val_evaluator
