# Window-length study on HeLa: p2s_rle_hela_video_tiny.py (N = 4) with N = 1 frames per
# window (test stride N; the last window aligned to frame 19, every frame scored once).
_base_ = ['./p2s_rle_hela_video_tiny.py']

window = 1
model = dict(tokenizer=dict(window=window))
train_dataloader = dict(dataset=dict(window=window))
val_dataloader = test_dataloader = dict(dataset=dict(window=window, stride=window))
