# The shipped p2s_rle_nuclei_panoptic_tiny.py with its instance groups in
# instance_order='size' instead of 'raster'.
_base_ = ['../p2s_rle_nuclei_panoptic_tiny.py']
model = dict(tokenizer=dict(instance_order='size'))
