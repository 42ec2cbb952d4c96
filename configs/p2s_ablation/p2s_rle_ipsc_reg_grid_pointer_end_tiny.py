# Ablation on the IPSC-like demo: flat starts scored against their memory cell and each
# run length (lac id, two foreground classes) against the cell where the run ends
# (length_pointer), on top of reg_grid_pointer.
_base_ = ['./p2s_rle_ipsc_reg_grid_pointer_tiny.py']
model = dict(tokenizer=dict(starts='flat'), length_pointer=True)
