# Ablation, lever d on top of e: row / column start-token embeddings (tied input and
# output weights) initialised from the 2-D sine code of the mask grid.
_base_ = ['./p2s_rle_nuclei_plain_tiny.py']
model = dict(encoder=_base_.regularised, decoder=_base_.regularised,
             coordinate_embed='init')
