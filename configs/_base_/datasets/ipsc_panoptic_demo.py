# The IPSC-like demo data (ipsc_demo.py: 64 x 64 frames used whole) for panoptic models:
# the same pipelines, plus the per-cell instance maps of the XML annotations
# (LoadSegAnnotations(with_instances=True), packed by PackRLESegInputs). Scored by the
# per-class metric and PQ / SQ / RQ (IoU > 0.5). Shared by every panoptic model config.
_base_ = ['./ipsc_demo.py']

load_instances = dict(type='LoadSegAnnotations', with_instances=True)
pack = dict(type='PackRLESegInputs', meta_keys=_base_.meta_keys)
train_pipeline = _base_.train_pipeline[:1] + [load_instances] + \
    _base_.train_pipeline[2:-1] + [pack]
test_pipeline = _base_.test_pipeline[:2] + [load_instances, pack]

train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
val_evaluator = [dict(type='PerClassSegMetric'), dict(type='PanopticQualityMetric')]
test_evaluator = val_evaluator
