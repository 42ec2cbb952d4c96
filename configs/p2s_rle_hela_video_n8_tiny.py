# Window-length study on HeLa: p2s_rle_hela_video_tiny.py (N = 4) with N = 8 frames per
# window (test stride N; the last window aligned to frame 19, every frame scored once).
# L derived from the 585 training windows: the smallest multiple of 16 that truncates
# under 1 % of them is 336 (1 window, 0.17 %; L = 256 would truncate 11.1 %; the
# command: benchmarks/results/hela_video_2026-12-07/README.md).
_base_ = ['./p2s_rle_hela_video_tiny.py']

window = 8
model = dict(tokenizer=dict(window=window, max_seq_len=336))
train_dataloader = dict(dataset=dict(window=window))
val_dataloader = test_dataloader = dict(dataset=dict(window=window, stride=window))
