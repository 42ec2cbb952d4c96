# Ablation, lever c on top of e: dense auxiliary supervision, an FCN head on the encoder
# output trained with the token loss (weight 0.4) and never run at inference.
_base_ = ['./p2s_rle_nuclei_reg_tiny.py']
model = dict(
    auxiliary_input='encoder',
    auxiliary_head=dict(
        type='FCNHead', channels=32, num_convs=1, concat_input=False,
        num_classes=_base_.num_classes, dropout_ratio=0.1,
        norm_cfg=dict(type='BN', requires_grad=True),
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=0.4)))
