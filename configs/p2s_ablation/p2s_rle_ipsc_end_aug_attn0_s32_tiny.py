# Ablation: end_aug_attn0 on a finer mask grid, S = 32 (each 2 x 2 block its majority
# label; token ceiling 88.6 against 81.7 at S = 16), L = 512; the memory follows the mask
# grid (32 x 32 cells, 1,024 encoder tokens).
_base_ = ['./p2s_rle_ipsc_end_aug_attn0_tiny.py']
model = dict(tokenizer=dict(mask_size=32, subsample=dict(factor=2), max_seq_len=512))
