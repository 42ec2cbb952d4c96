# Ablation, lever d (pointer) on top of a + e: coordinate logits scored against the
# mask-grid memory (query(h) . key(memory cell)), plus sine-initialised coordinates.
_base_ = ['./p2s_rle_nuclei_reg_grid_tiny.py']
model = dict(coordinate_embed='init', coordinate_pointer=True)
