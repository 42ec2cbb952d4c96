# Ablation on the IPSC-like demo: the tokenizer's resampling on top of reg_grid_pointer
# (the shipped IPSC tiny levers): each 4 x 4 mask block becomes its majority label
# instead of its top-left pixel, and decoded masks are upsampled bilinearly (one-hot
# interpolated, argmax) instead of by block repeat.
_base_ = ['./p2s_rle_ipsc_reg_grid_pointer_tiny.py']
model = dict(tokenizer=dict(subsample=dict(factor=4, mode='majority'), upsample='bilinear'))
