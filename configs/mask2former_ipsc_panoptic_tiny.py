# mask2former_ipsc_tiny.py on the panoptic variant of the demo data
# (ipsc_panoptic_demo.py, the dataset config of p2s_rle_ipsc_panoptic_tiny.py) scored for
# panoptic quality: its semantic prediction's connected components are its instances
# (PanopticQualityMetric instance_source='components').
_base_ = ['./_base_/models/mask2former_tiny.py', './_base_/datasets/ipsc_panoptic_demo.py',
          './_base_/default_runtime.py', './_base_/schedules/schedule_tiny.py']
model = dict(decode_head=dict(
    num_classes=_base_.num_classes,
    loss_cls=dict(class_weight=[1.0] * _base_.num_classes + [0.1])))
