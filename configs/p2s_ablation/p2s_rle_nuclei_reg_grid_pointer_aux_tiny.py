# Ablation, lever c on top of the pointer model: the FCN auxiliary head on the encoder
# memory (weight 0.4, never run at inference; reg_grid_aux), so the cells the pointer
# scores are trained to know the mask densely.
_base_ = ['./p2s_rle_nuclei_reg_grid_aux_tiny.py']
model = dict(coordinate_embed='init', coordinate_pointer=True)
