# Video-ablation lever: p2s_rle_hela_video_tiny.py without the coordinate and run-end
# pointers (start tokens and run lengths are scored by the output embedding alone).
_base_ = ['../p2s_rle_hela_video_tiny.py']

model = dict(coordinate_pointer=False, length_pointer=False)
