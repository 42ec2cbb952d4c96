# Ablation, lever d with flat starts on top of reg_grid_pointer: one start token per
# mask-grid cell (S^2 = 256 ids) instead of a (row, column) pair, so the pointer scores
# each start against exactly the memory cell it names (a row / column token can only be
# scored against the mean of its row / column).
_base_ = ['./p2s_rle_nuclei_plain_tiny.py']
model = dict(encoder=_base_.regularised, decoder=_base_.regularised, memory_size='mask',
             coordinate_embed='init', coordinate_pointer=True,
             tokenizer=dict(starts='flat'))
