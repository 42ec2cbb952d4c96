# Video-ablation lever: p2s_rle_hela_video_nopointer_tiny.py with (row, column) start
# tokens instead of flat starts (4 tokens per tac run instead of 3; the run-end pointer
# needs flat starts, so it is off in both). L = 272: the smallest multiple of 16 that
# truncates under 1 % of the 765 training windows (0.65 %; L = 256: 1.44 %).
_base_ = ['./p2s_rle_hela_video_nopointer_tiny.py']

model = dict(tokenizer=dict(starts='2d', max_seq_len=272))
