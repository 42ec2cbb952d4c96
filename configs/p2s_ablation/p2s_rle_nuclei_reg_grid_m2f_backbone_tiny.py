# Diagnostic row (lever g): the mask-grid, regularised token model (reg_grid) with its
# backbone initialised from the Mask2Former R-18 (same stem and first two stages) trained
# on the same crops in the same benchmark run and seed. It separates learning features
# from decoding tokens: run it after mask2former_nuclei_tiny in one benchmark (the
# p2s-ablation suite does).
_base_ = ['./p2s_rle_nuclei_plain_tiny.py']
model = dict(encoder=_base_.regularised, decoder=_base_.regularised, memory_size='mask',
             backbone=dict(init_cfg=dict(
                 _delete_=True, type='Pretrained', prefix='backbone.',
                 checkpoint='benchmark://mask2former_nuclei_tiny')))
