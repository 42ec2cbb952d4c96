# Ablation (p2s-ablation suite), lever e: the paper's regularisation on the tiny token
# model, dropout 0.1 and drop-path 0.1 in encoder and decoder (shipped tiny: 0.0 / 0.0).
_base_ = ['./p2s_rle_nuclei_plain_tiny.py']
regularised = dict(dropout=0.1, drop_path=0.1)
model = dict(encoder=regularised, decoder=regularised)
