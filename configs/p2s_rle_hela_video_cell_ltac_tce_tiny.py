# p2s_rle_hela_video_cell_ltac_tiny.py with time-class embeddings (time_class_embed=True):
# the 240 ltac tokens (run length x 15 tac classes) share one learned embedding part per
# frame whose label they hold (see p2s_rle_hela_video_cell_tce_tiny.py).
_base_ = ['./p2s_rle_hela_video_cell_ltac_tiny.py']

model = dict(time_class_embed=True)
