# Ablation, lever d (pointer) on top of a + e (reg_grid): start / row / column logits
# scored against the mask-grid memory (query(h) . key(memory cell)), with coordinate
# embeddings initialised from the grid's sine code.
_base_ = ['./p2s_rle_nuclei_plain_tiny.py']
model = dict(encoder=_base_.regularised, decoder=_base_.regularised, memory_size='mask',
             coordinate_embed='init', coordinate_pointer=True)
