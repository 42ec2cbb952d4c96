# mmdet's Mask R-CNN (mmdet::_base_/models/mask-rcnn_r50_fpn.py) shrunk for CPU and
# 64 x 64 crops of small nuclei, from scratch, wrapped by DetectorSegmentor (rleseg's
# panoptic output, mmseg's data preprocessor and pipeline: the same inputs as every
# other paradigm). Changes to mmdet's recipe:
#   * backbone ResNet-18 with 16 base channels, trainable BN, no init_cfg (the tiny
#     mmseg models' backbone); FPN 64 channels, 4 levels (strides 4-32; the 5th level at
#     stride 64 would be 1 x 1 on a 64 x 64 crop);
#   * anchors of 8-128 pixels (scales 2 and 4 per stride; mmdet's 8 gives 32-512, far
#     larger than the nuclei: 8-38 pixels wide, median 19, in data/nuclei);
#   * 64-channel RoI heads, fewer proposals and sampled RoIs (at most 7 nuclei a crop).
# The experiment config sets detector.roi_head.{bbox_head,mask_head}.num_classes to the
# number of foreground classes (mmdet leaves out the background).
_base_ = ['./detector_tiny.py']
channels = 64
model = dict(
    detector=dict(
        type='mmdet.MaskRCNN',
        neck=dict(type='FPN', in_channels=[16, 32, 64, 128], out_channels=channels,
                  num_outs=4),
        rpn_head=dict(
            type='RPNHead', in_channels=channels, feat_channels=channels,
            anchor_generator=dict(type='AnchorGenerator', scales=[2, 4],
                                  ratios=[0.5, 1.0, 2.0], strides=[4, 8, 16, 32]),
            bbox_coder=dict(type='DeltaXYWHBBoxCoder', target_means=[0.0] * 4,
                            target_stds=[1.0] * 4),
            loss_cls=dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0),
            loss_bbox=dict(type='L1Loss', loss_weight=1.0)),
        roi_head=dict(
            type='StandardRoIHead',
            bbox_roi_extractor=dict(
                type='SingleRoIExtractor',
                roi_layer=dict(type='RoIAlign', output_size=7, sampling_ratio=0),
                out_channels=channels, featmap_strides=[4, 8, 16, 32]),
            bbox_head=dict(
                type='Shared2FCBBoxHead', in_channels=channels, fc_out_channels=256,
                roi_feat_size=7, num_classes=1,
                bbox_coder=dict(type='DeltaXYWHBBoxCoder', target_means=[0.0] * 4,
                                target_stds=[0.1, 0.1, 0.2, 0.2]),
                reg_class_agnostic=False,
                loss_cls=dict(type='CrossEntropyLoss', use_sigmoid=False,
                              loss_weight=1.0),
                loss_bbox=dict(type='L1Loss', loss_weight=1.0)),
            mask_roi_extractor=dict(
                type='SingleRoIExtractor',
                roi_layer=dict(type='RoIAlign', output_size=14, sampling_ratio=0),
                out_channels=channels, featmap_strides=[4, 8, 16, 32]),
            mask_head=dict(
                type='FCNMaskHead', num_convs=4, in_channels=channels,
                conv_out_channels=channels, num_classes=1,
                loss_mask=dict(type='CrossEntropyLoss', use_mask=True, loss_weight=1.0))),
        train_cfg=dict(
            rpn=dict(
                assigner=dict(type='MaxIoUAssigner', pos_iou_thr=0.7, neg_iou_thr=0.3,
                              min_pos_iou=0.3, match_low_quality=True, ignore_iof_thr=-1),
                sampler=dict(type='RandomSampler', num=128, pos_fraction=0.5,
                             neg_pos_ub=-1, add_gt_as_proposals=False),
                allowed_border=-1, pos_weight=-1, debug=False),
            rpn_proposal=dict(nms_pre=500, max_per_img=200,
                              nms=dict(type='nms', iou_threshold=0.7), min_bbox_size=0),
            rcnn=dict(
                assigner=dict(type='MaxIoUAssigner', pos_iou_thr=0.5, neg_iou_thr=0.5,
                              min_pos_iou=0.5, match_low_quality=True, ignore_iof_thr=-1),
                sampler=dict(type='RandomSampler', num=128, pos_fraction=0.25,
                             neg_pos_ub=-1, add_gt_as_proposals=True),
                mask_size=28, pos_weight=-1, debug=False)),
        test_cfg=dict(
            rpn=dict(nms_pre=500, max_per_img=200,
                     nms=dict(type='nms', iou_threshold=0.7), min_bbox_size=0),
            rcnn=dict(score_thr=0.05, nms=dict(type='nms', iou_threshold=0.5),
                      max_per_img=50, mask_thr_binary=0.5))))
