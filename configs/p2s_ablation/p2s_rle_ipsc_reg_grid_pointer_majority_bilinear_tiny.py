# Ablation on the IPSC-like demo: the tokenizer's resampling on top of reg_grid_pointer:
# each 4 x 4 mask block becomes its majority label instead of its top-left pixel, and
# decoded masks are upsampled bilinearly (one-hot interpolated, argmax) instead of by
# block repeat.
_base_ = ['./p2s_rle_ipsc_plain_tiny.py']
model = dict(encoder=_base_.regularised, decoder=_base_.regularised, memory_size='mask',
             coordinate_embed='init', coordinate_pointer=True,
             tokenizer=dict(subsample=dict(mode='majority'), upsample='bilinear'))
