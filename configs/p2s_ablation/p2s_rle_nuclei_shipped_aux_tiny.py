# Ablation, lever c on top of the shipped p2s_rle_nuclei_tiny: the FCN auxiliary head on
# the encoder memory (the mask grid, 16 x 16), trained with the token loss (weight 0.4)
# and never run at inference, so the cells the coordinate / run-end pointers score are
# trained to know the mask densely.
_base_ = ['../p2s_rle_nuclei_tiny.py']
model = dict(
    auxiliary_input='encoder',
    auxiliary_head=dict(
        type='FCNHead', channels=32, num_convs=1, concat_input=False,
        num_classes=_base_.num_classes, dropout_ratio=0.1,
        norm_cfg=dict(type='BN', requires_grad=True),
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=0.4)))
