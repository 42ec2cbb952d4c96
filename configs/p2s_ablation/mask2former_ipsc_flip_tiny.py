# The dense baseline on the IPSC-like demo as shipped before the strong augmentation
# became the demo default (2026-12-06): flips only (the demo base's train_pipeline), the
# pipeline the IPSC p2s-ablation token configs start from. (The 2026-12-06 results name
# the augmented runs mask2former_ipsc_aug_tiny: the shipped mask2former_ipsc_tiny since.)
_base_ = ['../mask2former_ipsc_tiny.py']
train_dataloader = dict(dataset=dict(pipeline=_base_.train_pipeline))
