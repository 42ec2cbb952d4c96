# Ablation, lever e (regularisation) on top of the pointer model: label smoothing 0.1 on
# the token loss and the paper's weight decay 0.05 (the tiny schedule has 0.01).
_base_ = ['./p2s_rle_nuclei_reg_grid_pointer_tiny.py']
model = dict(loss=dict(label_smoothing=0.1))
optim_wrapper = dict(optimizer=dict(weight_decay=0.05))
