# CPU-sized variant of p2s_rle.py (same model, smaller config values): ResNet-18 with 16
# base channels cut after stage 2 (stride 8: a 64 x 64 image gives 8 x 8 feature tokens),
# d 64, 2 + 2 transformer layers, 4 heads, MLP 128, dropout / drop-path 0.1. Greedy
# decoding (deterministic demo and tests). Every training patch counts in the loss
# (empty_keep_prob 1).
# The settings the p2s-ablation suite chose (configs/p2s_ablation/README.md), so that every
# shipped or composed (`tools/benchmark.py --dataset`) token model starts from them:
# * memory_size='mask': the 8 x 8 feature grid resampled to the 16 x 16 mask grid before
#   the encoder, so memory cells coincide with mask cells;
# * lac tokens with flat starts (one token per mask cell), S = 64 / 4 = 16, L = 256;
# * coordinate_embed='init' + coordinate_pointer: start tokens initialised from the mask
#   grid's sine code and scored against the memory cell they name;
# * length_pointer: each run length scored against the memory cell where the run ends;
# * each 4 x 4 mask block tokenised as its majority label, decoded masks upsampled
#   bilinearly (the spec's top-left pixel and block repeat: mode / upsample 'nearest').
# A dataset config on top sets only what is about the data: num_classes, and the mask
# size / subsample factor / L when its images are not 64 x 64.
_base_ = ['./p2s_rle.py']

tokenizer = dict(
    scheme='lac', mask_size=16, num_classes=3, max_length=None, starts='flat', order='row',
    max_seq_len=256, pad_weight=0.1, subsample=dict(factor=4, mode='majority'),
    upsample='bilinear')
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
    coordinate_embed='init',
    coordinate_pointer=True,
    length_pointer=True,
    encoder=dict(num_layers=2, num_heads=4, mlp_dim=128, dropout=0.1, drop_path=0.1),
    decoder=dict(num_layers=2, num_heads=4, mlp_dim=128, dropout=0.1, drop_path=0.1),
    test_cfg=dict(mode='whole', crop_size=(64, 64), stride=(64, 64),
                  sampling=dict(strategy='greedy')))
