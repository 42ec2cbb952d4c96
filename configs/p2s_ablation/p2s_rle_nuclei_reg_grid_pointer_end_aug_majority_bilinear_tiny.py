# Ablation, tokenizer resampling on top of reg_grid_pointer_end_aug_majority: decoded masks
# upsampled 'bilinear' (the one-hot 16 x 16 grid interpolated and argmaxed, mmseg's way of
# resizing class scores) instead of by block repeat: smooth boundaries through the cells'
# centres. Every lever on: the shipped p2s_rle_nuclei_tiny, which this row is.
_base_ = ['../p2s_rle_nuclei_tiny.py']
