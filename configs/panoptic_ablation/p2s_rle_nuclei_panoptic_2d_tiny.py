# The shipped p2s_rle_nuclei_panoptic_tiny.py with the levers of the image model off, as
# the instance model had them before (p2s_rle_tiny_2d.py): (row, column) starts, no
# coordinate code, no coordinate / run-end pointer, each block keeps its top-left pixel
# (and no disjoint decoding, which needs flat starts).
# The mask grid stays 16 x 16 (the old config had 32 x 32), so this row differs from the
# shipped one only in those levers.
_base_ = ['../p2s_rle_nuclei_panoptic_tiny.py']
model = dict(
    tokenizer=dict(starts='2d', subsample=dict(mode='nearest')),
    coordinate_embed=None, coordinate_pointer=False, length_pointer=False,
    disjoint_instances=False)
