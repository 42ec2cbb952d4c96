# Ablation, lever c on top of e: dense auxiliary supervision, an FCN head on the encoder
# output trained with the token loss (weight 0.4) and never run at inference.
_base_ = ['./p2s_rle_nuclei_plain_tiny.py', '../_base_/models/p2s_aux_fcn_head.py']
model = dict(encoder=_base_.regularised, decoder=_base_.regularised,
             auxiliary_input='encoder',
             auxiliary_head=dict(_base_.p2s_aux_fcn_head, num_classes=_base_.num_classes))
