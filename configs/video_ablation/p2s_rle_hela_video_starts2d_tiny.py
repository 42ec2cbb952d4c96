# Video-ablation lever: p2s_rle_hela_video_nopointer_tiny.py with (row, column) start
# tokens instead of flat starts (3 tokens per ltac run instead of 2; the run-end pointer
# needs flat starts, so it is off in both). L = 256 still holds every training window
# (tests/video/test_video_levers.py).
_base_ = ['./p2s_rle_hela_video_nopointer_tiny.py']

model = dict(tokenizer=dict(starts='2d'))
