# Ablation, lever b (width) on top of the shipped p2s_rle_nuclei_tiny: d 128 and MLP 256
# in encoder and decoder (the tiny model has d 64, MLP 128).
_base_ = ['../p2s_rle_nuclei_tiny.py']
model = dict(d_model=128, encoder=dict(mlp_dim=256), decoder=dict(mlp_dim=256))
