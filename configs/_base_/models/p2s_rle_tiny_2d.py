# The tiny token model (p2s_rle_tiny.py) for the sequence schemes its pointers do not
# serve: video windows (tac / ltac: starts over frames, a memory of N frames) and panoptic
# instance groups. (row, column) start tokens, no coordinate / run-end pointer, the spec's
# resampling (each mask block keeps its top-left pixel, decoded masks are upsampled by
# block repeat); everything else as p2s_rle_tiny.py.
_base_ = ['./p2s_rle_tiny.py']

model = dict(
    tokenizer=dict(starts='2d', subsample=dict(mode='nearest'), upsample='nearest'),
    coordinate_embed=None, coordinate_pointer=False, length_pointer=False)
