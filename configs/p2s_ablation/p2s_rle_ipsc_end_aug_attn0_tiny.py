# Ablation on top of the shipped p2s_rle_ipsc_aug_tiny (end_aug): no dropout on the
# attention probabilities (attn_dropout 0.0, Pix2Seq's reference drop_att); dropout 0.1 on
# the residual branches / MLP and drop-path 0.1 stay. Without attention dropout PyTorch
# runs its fused attention kernels (faster, most of all for long memories: S = 32).
_base_ = ['../p2s_rle_ipsc_aug_tiny.py']
model = dict(encoder=dict(attn_dropout=0.0), decoder=dict(attn_dropout=0.0))
