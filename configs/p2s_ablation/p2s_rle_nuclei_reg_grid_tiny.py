# Ablation, lever a on top of e: the 8 x 8 feature grid resampled to the 16 x 16 mask grid
# before the encoder (memory_size='mask'), so memory positions coincide with mask cells.
_base_ = ['./p2s_rle_nuclei_plain_tiny.py']
model = dict(encoder=_base_.regularised, decoder=_base_.regularised, memory_size='mask')
