# What the tiny mmdet instance baselines (maskrcnn_tiny.py, mask2former_instance_tiny.py)
# share: DetectorSegmentor (rleseg's panoptic output; instances painted in descending
# score order above score_thr) with mmseg's data preprocessor, so every paradigm gets the
# same inputs, and the tiny mmseg models' backbone (ResNet-18 with 16 base channels,
# trainable BN, from scratch) with all four stages out. A model base on top sets
# detector.type and the detector's neck / heads.
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    size_divisor=32,
    test_cfg=dict(size_divisor=32))
model = dict(
    type='DetectorSegmentor',
    data_preprocessor=data_preprocessor,
    score_thr=0.5,
    detector=dict(
        backbone=dict(
            type='ResNet', depth=18, base_channels=16, stem_channels=16, num_stages=4,
            out_indices=(0, 1, 2, 3), frozen_stages=-1,
            norm_cfg=dict(type='BN', requires_grad=True), norm_eval=False,
            style='pytorch', init_cfg=None)))
