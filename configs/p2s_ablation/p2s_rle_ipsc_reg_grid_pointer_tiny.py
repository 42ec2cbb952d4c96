# Ablation on the IPSC-like demo: the pointer lever (coordinate tokens from the mask
# grid's sine code, scored against the mask-grid memory) on top of reg_grid.
_base_ = ['./p2s_rle_ipsc_reg_grid_tiny.py']
model = dict(coordinate_embed='init', coordinate_pointer=True)
