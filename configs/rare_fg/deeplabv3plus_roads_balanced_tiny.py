# Shared-pipeline lever against class imbalance (rare foreground, roads): DeepLabV3+ trained
# with the class-aware sampler (balanced_sampler of _base_/roads_levers.py: crops holding
# road ~3 times per pass, crops without road half the time). Everything else is
# configs/deeplabv3plus_roads_tiny.py.
_base_ = ['../deeplabv3plus_roads_tiny.py', './_base_/roads_levers.py']
train_dataloader = dict(sampler=_base_.balanced_sampler)
