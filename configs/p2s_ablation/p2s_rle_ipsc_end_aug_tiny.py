# Ablation on the IPSC-like demo: the nuclei model's settings (flat starts scored against
# their memory cell, run lengths against the cell where the run ends) with the strong
# augmentation, on top of p2s_rle_ipsc_aug_tiny: the same model and pipeline as
# configs/p2s_rle_ipsc_aug_tiny.py (the shipped p2s_rle_ipsc_tiny with the augmentation).
_base_ = ['./p2s_rle_ipsc_aug_tiny.py']
model = dict(tokenizer=dict(starts='flat'), length_pointer=True)
