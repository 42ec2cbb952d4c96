# mmdet's Mask2Former for instance segmentation (mmdet::mask2former/
# mask2former_r50_8xb2-lsj-50e_coco.py, panoptic head with no stuff classes) shrunk like
# the tiny mmseg Mask2Former (mask2former_tiny.py: ResNet-18 with 16 base channels from
# scratch, 64-d pixel decoder / queries, 1 deformable encoder layer, 3 decoder layers,
# 20 queries, 1024 sampled points per mask), wrapped by DetectorSegmentor (rleseg's
# panoptic output, mmseg's data preprocessor and pipeline). The experiment config sets
# num_things_classes (foreground classes; mmdet leaves out the background) in the head
# and the fusion head, and loss_cls.class_weight = [1.0] * num_things_classes + [0.1].
_base_ = ['./detector_tiny.py']
dims = 64
model = dict(
    detector=dict(
        type='mmdet.Mask2Former',
        panoptic_head=dict(
            type='Mask2FormerHead',
            in_channels=[16, 32, 64, 128],
            strides=[4, 8, 16, 32],
            feat_channels=dims,
            out_channels=dims,
            num_things_classes=1,
            num_stuff_classes=0,
            num_queries=20,
            num_transformer_feat_level=3,
            pixel_decoder=dict(
                type='MSDeformAttnPixelDecoder',
                num_outs=3,
                norm_cfg=dict(type='GN', num_groups=16),
                act_cfg=dict(type='ReLU'),
                encoder=dict(
                    num_layers=1,
                    layer_cfg=dict(
                        self_attn_cfg=dict(embed_dims=dims, num_heads=4, num_levels=3,
                                           num_points=4, dropout=0.0, batch_first=True),
                        ffn_cfg=dict(embed_dims=dims, feedforward_channels=128, num_fcs=2,
                                     ffn_drop=0.0, act_cfg=dict(type='ReLU', inplace=True)))),
                positional_encoding=dict(num_feats=dims // 2, normalize=True)),
            enforce_decoder_input_project=False,
            positional_encoding=dict(num_feats=dims // 2, normalize=True),
            transformer_decoder=dict(
                return_intermediate=True,
                num_layers=3,
                layer_cfg=dict(
                    self_attn_cfg=dict(embed_dims=dims, num_heads=4, dropout=0.0,
                                       batch_first=True),
                    cross_attn_cfg=dict(embed_dims=dims, num_heads=4, dropout=0.0,
                                        batch_first=True),
                    ffn_cfg=dict(embed_dims=dims, feedforward_channels=128, num_fcs=2,
                                 ffn_drop=0.0, act_cfg=dict(type='ReLU', inplace=True))),
                init_cfg=None),
            loss_cls=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=2.0,
                          reduction='mean', class_weight=[1.0, 0.1]),
            loss_mask=dict(type='CrossEntropyLoss', use_sigmoid=True, reduction='mean',
                           loss_weight=5.0),
            loss_dice=dict(type='DiceLoss', use_sigmoid=True, activate=True,
                           reduction='mean', naive_dice=True, eps=1.0, loss_weight=5.0)),
        panoptic_fusion_head=dict(type='MaskFormerFusionHead', num_things_classes=1,
                                  num_stuff_classes=0, loss_panoptic=None, init_cfg=None),
        train_cfg=dict(
            num_points=1024,
            oversample_ratio=3.0,
            importance_sample_ratio=0.75,
            assigner=dict(
                type='HungarianAssigner',
                match_costs=[
                    dict(type='ClassificationCost', weight=2.0),
                    dict(type='CrossEntropyLossCost', weight=5.0, use_sigmoid=True),
                    dict(type='DiceCost', weight=5.0, pred_act=True, eps=1.0)]),
            sampler=dict(type='MaskPseudoSampler')),
        test_cfg=dict(panoptic_on=False, semantic_on=False, instance_on=True,
                      max_per_image=20, iou_thr=0.8, filter_low_score=True),
        init_cfg=None))
