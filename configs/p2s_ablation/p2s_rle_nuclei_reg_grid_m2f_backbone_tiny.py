# Diagnostic row (lever g): the mask-grid, regularised token model with its backbone
# initialised from the Mask2Former R-18 (same stem and first two stages) trained on the
# same crops in the same benchmark run and seed. It separates learning features from
# decoding tokens: run it after mask2former_nuclei_tiny in one benchmark (the
# p2s-ablation suite does).
_base_ = ['./p2s_rle_nuclei_reg_grid_tiny.py']
model = dict(backbone=dict(init_cfg=dict(
    _delete_=True, type='Pretrained', prefix='backbone.',
    checkpoint='benchmark://mask2former_nuclei_tiny')))
