# Ablation on the generated IPSC-like demo data: the regularised (dropout / drop-path
# 0.1), mask-grid (memory resampled to the 16 x 16 mask grid) token model, to compare
# with p2s_rle_ipsc_tiny on the demo budget.
_base_ = ['./p2s_rle_ipsc_plain_tiny.py']
regularised = dict(dropout=0.1, drop_path=0.1)
model = dict(memory_size='mask', encoder=regularised, decoder=regularised)
