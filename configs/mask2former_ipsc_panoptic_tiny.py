# mask2former_ipsc_tiny.py scored for panoptic quality: its semantic prediction's connected
# components are its instances (PanopticQualityMetric instance_source='components').
_base_ = ['./mask2former_ipsc_tiny.py']

test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=_base_.image_size, keep_ratio=False),
    dict(type='LoadSegAnnotations', with_instances=True),
    dict(type='PackRLESegInputs', meta_keys=_base_.meta_keys),
]
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = [dict(type='PerClassSegMetric'), dict(type='PanopticQualityMetric')]
test_evaluator = val_evaluator
