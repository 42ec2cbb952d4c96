# p2s_rle_hela_video_middle_tiny.py (middle fusion) with ltac tokens (lac on the
# time-as-class map: start and one lac id = (length, tac class) per run, 2 tokens instead
# of tac's 3): the scheme without the fusion of p2s_rle_hela_video_tiny.py.
_base_ = ['./p2s_rle_hela_video_tiny.py']

model = dict(fusion='middle')
