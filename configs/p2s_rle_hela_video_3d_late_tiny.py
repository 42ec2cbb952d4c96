# p2s_rle_hela_video_3d_tiny.py (3d-lac: the window as one frame-major sequence, flat
# starts over the N*S*S cells) with late fusion: the decoder reads every frame's cells,
# and the coordinate / run-end pointers score a start or a run end of frame t against
# frame t's own cell (y, x), not a fused one.
_base_ = ['./p2s_rle_hela_video_tiny.py']

model = dict(fusion='late', tokenizer=dict(scheme='3d-lac'))
