# Ablation, lever c on top of the shipped p2s_rle_nuclei_tiny: the FCN auxiliary head on
# the encoder memory (the mask grid, 16 x 16), trained with the token loss (weight 0.4)
# and never run at inference, so the cells the coordinate / run-end pointers score are
# trained to know the mask densely.
_base_ = ['../p2s_rle_nuclei_tiny.py', '../_base_/models/p2s_aux_fcn_head.py']
model = dict(auxiliary_input='encoder',
             auxiliary_head=dict(_base_.p2s_aux_fcn_head, num_classes=_base_.num_classes))
