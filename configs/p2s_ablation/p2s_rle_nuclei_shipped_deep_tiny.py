# Ablation, lever b (depth) on top of the shipped p2s_rle_nuclei_tiny: 4 encoder and 4
# decoder layers (the tiny model has 2 + 2).
_base_ = ['../p2s_rle_nuclei_tiny.py']
model = dict(encoder=dict(num_layers=4), decoder=dict(num_layers=4))
