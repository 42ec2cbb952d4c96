# Ablation on the IPSC-like demo: flat starts scored against their memory cell and each
# run length (lac id, two foreground classes) against the cell where the run ends
# (length_pointer), on top of reg_grid_pointer.
_base_ = ['./p2s_rle_ipsc_plain_tiny.py']
model = dict(encoder=_base_.regularised, decoder=_base_.regularised, memory_size='mask',
             coordinate_embed='init', coordinate_pointer=True, length_pointer=True,
             tokenizer=dict(starts='flat'))
