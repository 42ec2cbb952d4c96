# Ablation, levers a + c on top of e: mask-grid memory and the encoder auxiliary head.
_base_ = ['./p2s_rle_nuclei_reg_aux_tiny.py']
model = dict(memory_size='mask')
