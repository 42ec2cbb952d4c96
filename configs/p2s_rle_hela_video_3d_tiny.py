# p2s_rle_hela_video_middle_tiny.py (middle fusion) with 3d-lac tokens: the 4 x 16 x 16
# window flattened frame by frame and coded as lac runs (runs may cross frame ends); flat
# starts over the 4 * 256 cells, each pointing at its own frame's cell in the memory
# (frame 0's fused cells under middle fusion). L = 256 holds every training window (at
# most 168).
_base_ = ['./p2s_rle_hela_video_tiny.py']

model = dict(fusion='middle', tokenizer=dict(scheme='3d-lac'))
