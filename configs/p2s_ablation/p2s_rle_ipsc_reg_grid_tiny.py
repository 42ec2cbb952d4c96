# Ablation on the generated IPSC-like demo data: the regularised (dropout / drop-path
# 0.1), mask-grid (memory resampled to the 16 x 16 mask grid) token model.
_base_ = ['./p2s_rle_ipsc_plain_tiny.py']
model = dict(encoder=_base_.regularised, decoder=_base_.regularised, memory_size='mask')
