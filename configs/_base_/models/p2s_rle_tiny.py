# CPU-sized variant of p2s_rle.py (same model, smaller config values): ResNet-18 with 16
# base channels cut after stage 2 (stride 8: a 64 x 64 image gives 8 x 8 feature tokens),
# d 64, 2 + 2 transformer layers, 4 heads, MLP 128. Tokens: lac with 2-D (row, column)
# starts, S = 64 / 4 = 16,
# L = 256. Greedy decoding (deterministic demo and tests). Every training patch counts in
# the loss (empty_keep_prob 1).
# Adopted from the p2s-ablation suite (3 seeds, real nuclei crops, 1,500 iterations; see
# README): the 8 x 8 feature grid resampled to the 16 x 16 mask grid before the encoder
# (memory_size='mask') and the paper's dropout / drop-path 0.1: 45.1 +/- 4.5 mDice
# against 33.2 +/- 2.7 for the model without them.
_base_ = ['./p2s_rle.py']

tokenizer = dict(
    scheme='lac', mask_size=16, num_classes=3, max_length=None, starts='2d', order='row',
    max_seq_len=256, pad_weight=0.1, subsample=dict(factor=4, mode='nearest'))
data_preprocessor = dict(size=(64, 64), empty_keep_prob=1.0)
model = dict(
    data_preprocessor=data_preprocessor,
    backbone=dict(
        _delete_=True, type='ResNet', depth=18, in_channels=3, stem_channels=16,
        base_channels=16, num_stages=2, out_indices=(1, ), strides=(1, 2), dilations=(1, 1),
        frozen_stages=-1, norm_cfg=dict(type='BN', requires_grad=True), norm_eval=False,
        style='pytorch', init_cfg=None),
    tokenizer=tokenizer,
    d_model=64,
    memory_size='mask',
    encoder=dict(num_layers=2, num_heads=4, mlp_dim=128, dropout=0.1, drop_path=0.1),
    decoder=dict(num_layers=2, num_heads=4, mlp_dim=128, dropout=0.1, drop_path=0.1),
    test_cfg=dict(mode='whole', crop_size=(64, 64), stride=(64, 64),
                  sampling=dict(strategy='greedy')))
