# p2s_rle_ipsc_video.py with late fusion: every frame is encoded on its own and the
# decoder cross-attends to all 8 x 400 frame tokens, each tagged with a learned frame
# embedding.
_base_ = ['./p2s_rle_ipsc_video.py']

model = dict(fusion='late')
