# Ablation: end_aug at S = 32 (as end_aug_attn0_s32) with dropout on the attention
# probabilities in the decoder only: the encoder's 1,024-token self-attention, where that
# dropout costs most (benchmarks/train_step_speed.py), runs without it (attn_dropout 0.0).
_base_ = ['./p2s_rle_ipsc_end_aug_attn0_s32_tiny.py']
model = dict(decoder=dict(attn_dropout=None))
