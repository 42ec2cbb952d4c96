# Shared-pipeline lever against class imbalance (rare foreground, roads): the token model
# trained with the class-aware sampler, the same switch as the dense *_roads_balanced_tiny
# configs (balanced_sampler of _base_/roads_levers.py: crops holding road ~3 times per
# pass, crops without road half the time). Everything else is configs/p2s_rle_roads_tiny.py.
_base_ = ['../p2s_rle_roads_tiny.py', './_base_/roads_levers.py']
train_dataloader = dict(sampler=_base_.balanced_sampler)
