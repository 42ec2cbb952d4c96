# Ablation on the ARIS-like demo: p2s_rle_aris_tiny (coordinate pointer, (row, column)
# starts) with the tokenizer's resampling of the nuclei / IPSC configs: each 4 x 4 mask
# block becomes its majority label, decoded masks are upsampled bilinearly.
_base_ = ['../p2s_rle_aris_tiny.py']
model = dict(tokenizer=dict(subsample=dict(factor=4, mode='majority'), upsample='bilinear'))
