# p2s_rle_hela_video_middle_tiny.py (tac) with late fusion: every frame is encoded on its
# own and the decoder cross-attends to all 4 x 256 frame tokens, each tagged with its
# frame embedding; the pointers score each cell of the tac map against that cell averaged
# over the 4 frames.
_base_ = ['./p2s_rle_hela_video_tiny.py']

model = dict(fusion='late', tokenizer=dict(scheme='tac'))
