# Ablation, lever d, lengths too: flat starts scored against their memory cell, and each
# run length scored against the memory cell where the run would end (length_pointer).
_base_ = ['./p2s_rle_nuclei_reg_grid_pointer_flat_tiny.py']
model = dict(length_pointer=True)
