# p2s_rle_ipsc_video.py with ltac tokens (2 per run: start, lac). ltac needs
# max_length * (C^N - 1) lac ids: 80 x 6560 = 524,800 for N = 8, too large an output
# layer for L = 3072 (3072 x 525k logits per window), so the window is N = 4 here
# (80 x 80 = 6400 lac ids); see the window-length study for tac at N = 4.
_base_ = ['./p2s_rle_ipsc_video.py']

window = 4
model = dict(tokenizer=dict(scheme='ltac', window=window))
train_dataloader = dict(dataset=dict(window=window))
val_dataloader = test_dataloader = dict(dataset=dict(window=window, stride=window))
