# Ablation, lever e (regularisation) on top of the shipped p2s_rle_nuclei_tiny: label
# smoothing 0.1 on the token loss and the paper's weight decay 0.05 (the tiny schedule has
# 0.01).
_base_ = ['../p2s_rle_nuclei_tiny.py']
model = dict(loss=dict(label_smoothing=0.1))
optim_wrapper = dict(optimizer=dict(weight_decay=0.05))
