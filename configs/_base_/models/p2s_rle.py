# Pix2Seq RLE segmentor at paper size (docs/models.md): ResNet-50 (stride 32,
# a 640 x 640 patch gives 20 x 20 = 400 feature tokens) -> 6-layer transformer encoder ->
# 6-layer autoregressive decoder (d 256, 8 heads, MLP 1024, learned positions, tied
# embeddings). Tokens: lac, S = 640 / 8 = 80, max_length S, L = 512, PAD/EOS weight 0.1.
# Inference: nucleus sampling top-p 0.4 with a KV cache and grammar constraints, sliding
# 640 x 640 windows stitched with the max rule.
# The ground truth becomes tokens in the data preprocessor (Pix2SeqDataPreProcessor, with
# the model's `tokenizer`), so dataset pipelines stay the ones every paradigm shares.
# Training keeps a ground truth without runs (an empty patch) in the loss with
# probability 0.1 (the paper's rule; its other samples get loss weight 0).
tokenizer = dict(
    scheme='lac', mask_size=80, num_classes=3, max_length=None, starts='flat', order='row',
    max_seq_len=512, pad_weight=0.1, subsample=dict(factor=8, mode='nearest'))
data_preprocessor = dict(
    type='Pix2SeqDataPreProcessor', mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375], bgr_to_rgb=True, size=(640, 640), pad_val=0,
    seg_pad_val=255, empty_keep_prob=0.1)
model = dict(
    type='Pix2SeqSegmentor',
    data_preprocessor=data_preprocessor,
    # ImageNet-pretrained ResNet-50 (torchvision's weights, downloaded once by mmengine
    # and loaded with weights_only=True; the paper starts from a COCO-pretrained Pix2Seq
    # ResNet-50). From scratch: --cfg-options model.backbone.init_cfg=None.
    backbone=dict(
        type='ResNet', depth=50, in_channels=3, num_stages=4, out_indices=(3, ),
        strides=(1, 2, 2, 2), dilations=(1, 1, 1, 1), frozen_stages=-1,
        norm_cfg=dict(type='BN', requires_grad=True), norm_eval=False, style='pytorch',
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50')),
    tokenizer=tokenizer,
    d_model=256,
    encoder=dict(num_layers=6, num_heads=8, mlp_dim=1024, dropout=0.1),
    decoder=dict(num_layers=6, num_heads=8, mlp_dim=1024, dropout=0.1),
    feature_index=-1,
    loss=dict(pad_weight=None, label_smoothing=0.0, class_token_weight=1.0,
              trim_padding=True),
    train_cfg=dict(),
    test_cfg=dict(
        mode='slide', crop_size=(640, 640), stride=(640, 640), merge='max', window_batch=8,
        sampling=dict(strategy='sample', temperature=1.0, top_k=0, top_p=0.4),
        constrained=True, use_cache=True, stop_at_eos=True, seed=0))
