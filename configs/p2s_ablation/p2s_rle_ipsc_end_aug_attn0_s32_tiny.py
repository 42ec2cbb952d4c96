# Ablation: end_aug (the shipped p2s_rle_ipsc_aug_tiny) on a finer mask grid, S = 32 (each
# 2 x 2 block its majority label; a higher token ceiling than at S = 16), L = 512; the
# memory follows the mask grid (32 x 32 cells, 1,024 encoder tokens). No dropout on the
# attention probabilities (attn_dropout 0.0, Pix2Seq's reference drop_att; dropout 0.1 on
# the residual branches / MLP and drop-path 0.1 stay): with it a training step over 1,024
# encoder tokens costs several times more (benchmarks/train_step_speed.py).
_base_ = ['../p2s_rle_ipsc_aug_tiny.py']
model = dict(tokenizer=dict(mask_size=32, subsample=dict(factor=2), max_seq_len=512),
             encoder=dict(attn_dropout=0.0), decoder=dict(attn_dropout=0.0))
