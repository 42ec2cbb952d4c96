# The real HeLa frames one by one (hela.py: the frames of data/hela_video, split by whole
# columns, 64 x 64, used whole) for panoptic models: class maps plus the per-frame
# instance ids of inst_dir (LoadSegAnnotations(with_instances=True), packed by
# PackRLESegInputs), built exactly like nuclei_panoptic.py: training with flips only (the
# folder template's pipeline), not hela.py's strong augmentation; a model config may set
# its own. Scored by the per-class metric and by PQ / SQ / RQ (IoU > 0.5). Shared by every
# HeLa panoptic model config.
_base_ = ['./hela.py']

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
