# Window-length study on HeLa: p2s_rle_hela_video_tiny.py (N = 4) with N = 8 frames per
# window (test stride N; the last window aligned to frame 19, every frame scored once).
# L = 256 holds all 585 training windows with the default's ltac tokens (tac needed
# L = 336: benchmarks/results/hela_video_2026-12-07/README.md; checked by
# tests/video/test_video_levers.py).
_base_ = ['./p2s_rle_hela_video_tiny.py']

window = 8
model = dict(tokenizer=dict(window=window))
train_dataloader = dict(dataset=dict(window=window))
val_dataloader = test_dataloader = dict(dataset=dict(window=window, stride=window))
