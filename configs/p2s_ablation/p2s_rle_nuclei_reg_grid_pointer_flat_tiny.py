# Ablation, lever d with flat starts: one start token per mask-grid cell (S^2 = 256
# ids) instead of a (row, column) pair, so the pointer scores each start against exactly
# the memory cell it names (a row / column token can only be scored against the mean of
# its row / column).
_base_ = ['./p2s_rle_nuclei_reg_grid_pointer_tiny.py']
model = dict(tokenizer=dict(starts='flat'))
