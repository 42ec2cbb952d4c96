# Dense auxiliary supervision for the Pix2Seq RLE segmentor (p2s-ablation lever c): an FCN
# head on the encoder memory, trained on gt_sem_seg with the token loss (weight 0.4) and
# never run at inference. A config that lists this base sets
#   model = dict(auxiliary_input='encoder',
#                auxiliary_head=dict(_base_.p2s_aux_fcn_head, num_classes=...))
p2s_aux_fcn_head = dict(
    type='FCNHead', channels=32, num_convs=1, concat_input=False, dropout_ratio=0.1,
    norm_cfg=dict(type='BN', requires_grad=True),
    loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=0.4))
