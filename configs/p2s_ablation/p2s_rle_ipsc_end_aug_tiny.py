# Ablation on the IPSC-like demo: aug + flat starts scored against their memory cell and
# run lengths against the cell where the run ends. Every lever on: the shipped
# configs/p2s_rle_ipsc_aug_tiny.py (p2s_rle_ipsc_tiny with the strong augmentation),
# which this row is.
_base_ = ['../p2s_rle_ipsc_aug_tiny.py']
