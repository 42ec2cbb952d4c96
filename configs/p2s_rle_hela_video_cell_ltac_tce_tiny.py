# p2s_rle_hela_video_tiny.py (cell fusion, ltac) with time-class embeddings
# (time_class_embed=True): the 240 ltac tokens (run length x 15 tac classes) share one
# learned embedding part per frame whose label they hold (see
# p2s_rle_hela_video_cell_tce_tiny.py). Measured on HeLa val, seeds 0 1 2, 500 iterations:
# 41.0 +/- 4.7 mDice, no gain over the default
# (benchmarks/results/hela_video_2026-12-08/README.md).
_base_ = ['./p2s_rle_hela_video_tiny.py']

model = dict(time_class_embed=True)
