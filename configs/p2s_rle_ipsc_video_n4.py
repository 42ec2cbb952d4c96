# Window-length study at paper scale: p2s_rle_ipsc_video.py (N = 8) with N = 4 frames per
# window (tac, test stride N, the same test frames).
_base_ = ['./p2s_rle_ipsc_video.py']

window = 4
model = dict(tokenizer=dict(window=window))
train_dataloader = dict(dataset=dict(window=window))
val_dataloader = test_dataloader = dict(dataset=dict(window=window, stride=window))
