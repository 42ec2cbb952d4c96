# p2s_rle_ipsc_video_tiny.py (ltac) with late fusion instead of cell fusion: every frame
# is encoded on its own and the decoder cross-attends to all N x 64 frame tokens, each
# tagged with a learned frame embedding.
_base_ = ['./p2s_rle_ipsc_video_tiny.py']

model = dict(fusion='late')
