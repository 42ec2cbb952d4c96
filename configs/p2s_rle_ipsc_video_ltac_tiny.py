# p2s_rle_ipsc_video_tiny.py with ltac tokens (lac on the time-as-class map: flat start,
# lac = 2 tokens per run instead of 3; 16 x 80 = 1280 lac ids).
_base_ = ['./p2s_rle_ipsc_video_tiny.py']

model = dict(tokenizer=dict(scheme='ltac'))
