# Ablation, lever e (regularisation) on top of the pointer model (reg_grid_pointer): label
# smoothing 0.1 on the token loss and the paper's weight decay 0.05 (the tiny schedule has
# 0.01).
_base_ = ['./p2s_rle_nuclei_plain_tiny.py']
model = dict(encoder=_base_.regularised, decoder=_base_.regularised, memory_size='mask',
             coordinate_embed='init', coordinate_pointer=True,
             loss=dict(label_smoothing=0.1))
optim_wrapper = dict(optimizer=dict(weight_decay=0.05))
