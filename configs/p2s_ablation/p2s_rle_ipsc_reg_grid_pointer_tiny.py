# Ablation on the IPSC-like demo: the pointer lever (coordinate tokens from the mask
# grid's sine code, scored against the mask-grid memory) on top of reg_grid.
_base_ = ['./p2s_rle_ipsc_plain_tiny.py']
model = dict(encoder=_base_.regularised, decoder=_base_.regularised, memory_size='mask',
             coordinate_embed='init', coordinate_pointer=True)
