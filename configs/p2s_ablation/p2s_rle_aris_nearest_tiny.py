# Ablation on the ARIS-like demo: p2s_rle_aris_tiny (coordinate pointer, (row, column)
# starts) with the spec's resampling instead of its majority / bilinear one: each 4 x 4
# mask block keeps its top-left pixel, decoded masks are upsampled by block repetition.
_base_ = ['../p2s_rle_aris_tiny.py']
model = dict(tokenizer=dict(subsample=dict(factor=4, mode='nearest'), upsample='nearest'))
