# Ablation, lever d on top of e: row / column start-token embeddings (tied input and
# output weights) initialised from the 2-D sine code of the mask grid.
_base_ = ['./p2s_rle_nuclei_reg_tiny.py']
model = dict(coordinate_embed='init')
