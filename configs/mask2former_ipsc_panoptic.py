# mask2former_ipsc.py (paper scale) on the panoptic variant of IPSC (ipsc_panoptic.py:
# frames resized to 640 x 640 and used whole, the dataset config of
# p2s_rle_ipsc_panoptic.py, so both paradigms see the same data) scored for panoptic
# quality: its semantic prediction's connected components are its instances
# (PanopticQualityMetric instance_source='components').
_base_ = ['./_base_/models/mask2former.py', './_base_/datasets/ipsc_panoptic.py',
          './_base_/default_runtime.py', './_base_/schedules/schedule_mask2former_40k.py']
model = dict(decode_head=dict(
    num_classes=_base_.num_classes,
    loss_cls=dict(class_weight=[1.0] * _base_.num_classes + [0.1])))
