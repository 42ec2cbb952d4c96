# p2s_rle_hela_video_cell_tiny.py with ltac tokens (lac on the time-as-class map: a run
# is start, length-and-class: 2 tokens where tac needs 3).
_base_ = ['./p2s_rle_hela_video_cell_tiny.py']

model = dict(tokenizer=dict(scheme='ltac'))
