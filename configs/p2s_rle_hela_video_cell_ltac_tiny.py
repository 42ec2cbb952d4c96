# p2s_rle_hela_video_cell_tiny.py with ltac tokens (lac on the time-as-class map: a run
# is start, length-and-class: 2 tokens where tac needs 3). The best video token model on
# HeLa val over seeds 0 1 2 at 500 iterations (42.7 +/- 2.4 mDice against 17.8 +/- 2.6
# for p2s_rle_hela_video_tiny; benchmarks/results/hela_video_2026-12-08/README.md).
_base_ = ['./p2s_rle_hela_video_cell_tiny.py']

model = dict(tokenizer=dict(scheme='ltac'))
