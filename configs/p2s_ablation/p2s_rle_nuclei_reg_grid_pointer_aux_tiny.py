# Ablation, lever c on top of the pointer model (reg_grid_pointer): the FCN auxiliary
# head on the encoder memory (weight 0.4, never run at inference), so the cells the
# pointer scores are trained to know the mask densely.
_base_ = ['./p2s_rle_nuclei_plain_tiny.py', '../_base_/models/p2s_aux_fcn_head.py']
model = dict(encoder=_base_.regularised, decoder=_base_.regularised, memory_size='mask',
             coordinate_embed='init', coordinate_pointer=True, auxiliary_input='encoder',
             auxiliary_head=dict(_base_.p2s_aux_fcn_head, num_classes=_base_.num_classes))
