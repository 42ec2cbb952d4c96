# Ablation on top of the shipped p2s_rle_nuclei_tiny: no dropout on the attention
# probabilities (attn_dropout 0.0, Pix2Seq's reference drop_att); dropout 0.1 on the
# residual branches / MLP and drop-path 0.1 stay.
_base_ = ['../p2s_rle_nuclei_tiny.py']
model = dict(encoder=dict(attn_dropout=0.0), decoder=dict(attn_dropout=0.0))
