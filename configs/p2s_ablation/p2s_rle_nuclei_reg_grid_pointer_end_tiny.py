# Ablation, lever d, lengths too (reg_grid_pointer_flat + length_pointer): flat starts
# scored against their memory cell, and each run length scored against the memory cell
# where the run would end.
_base_ = ['./p2s_rle_nuclei_plain_tiny.py']
model = dict(encoder=_base_.regularised, decoder=_base_.regularised, memory_size='mask',
             coordinate_embed='init', coordinate_pointer=True, length_pointer=True,
             tokenizer=dict(starts='flat'))
