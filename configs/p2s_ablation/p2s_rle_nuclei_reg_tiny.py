# Ablation (p2s-ablation suite), lever e: the paper's regularisation on the plain tiny
# token model, dropout 0.1 and drop-path 0.1 in encoder and decoder (plain: 0.0 / 0.0).
_base_ = ['./p2s_rle_nuclei_plain_tiny.py']
model = dict(encoder=_base_.regularised, decoder=_base_.regularised)
