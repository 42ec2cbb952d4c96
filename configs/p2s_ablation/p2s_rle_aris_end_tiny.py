# Ablation on the ARIS-like demo: the IPSC / nuclei token model's settings on top of the
# shipped p2s_rle_aris_tiny: flat starts scored against their memory cell and each run
# length against the cell where the run ends (length_pointer).
_base_ = ['../p2s_rle_aris_tiny.py']
model = dict(tokenizer=dict(starts='flat'), length_pointer=True)
