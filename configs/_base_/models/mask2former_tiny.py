# Mask2Former shrunk for CPU tests and the demo: ResNet-18 with 16 base channels,
# 64-d pixel decoder / queries, 1 deformable encoder layer, 3 decoder layers, 20
# queries and 1024 sampled points per mask (instead of 12544).
_base_ = ['./mask2former.py']

model = dict(
    # from scratch (the demo and tests never download weights)
    backbone=dict(depth=18, base_channels=16, stem_channels=16, init_cfg=None),
    decode_head=dict(
        in_channels=[16, 32, 64, 128],
        feat_channels=64,
        out_channels=64,
        num_queries=20,
        pixel_decoder=dict(
            norm_cfg=dict(type='GN', num_groups=16),
            encoder=dict(
                num_layers=1,
                layer_cfg=dict(
                    self_attn_cfg=dict(embed_dims=64, num_heads=4),
                    ffn_cfg=dict(embed_dims=64, feedforward_channels=128))),
            positional_encoding=dict(num_feats=32)),
        positional_encoding=dict(num_feats=32),
        transformer_decoder=dict(
            num_layers=3,
            layer_cfg=dict(
                self_attn_cfg=dict(embed_dims=64, num_heads=4),
                cross_attn_cfg=dict(embed_dims=64, num_heads=4),
                ffn_cfg=dict(embed_dims=64, feedforward_channels=128))),
        train_cfg=dict(num_points=1024)))
