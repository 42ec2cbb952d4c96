# The dense baseline as shipped before augmentation became the nuclei default: flips only
# (the nuclei base's train_pipeline), the pipeline the p2s-ablation token configs start from.
_base_ = ['../mask2former_nuclei_tiny.py']
train_dataloader = dict(dataset=dict(pipeline=_base_.train_pipeline))
