# CPU-sized Pix2Seq RLE *video* model on the generated IPSC-like demo windows
# (data/ipsc_demo; windows of N = 4 consecutive 64 x 64 frames, test = frames 0-3 of every
# sequence, the image models' test split). The video token base p2s_rle_tiny_video.py:
# every image lever of p2s_rle_tiny.py carried to windows (flat starts,
# coordinate_embed='init', coordinate and run-end pointers on the fused 16 x 16 map,
# majority x4 / bilinear per frame), middle fusion (frame 0 cross-attends to the other
# frames in the last encoder layer), tac tokens (time-as-class: C^N - 1 = 80 classes,
# S = 16, L = 256). Test windows are scored frame by frame by VideoFrameMetric (overlaps
# merged by mode, each frame once).
# Variants: *_late_tiny (late fusion), *_ltac_tiny, *_static_tiny, *_n1/_n2_tiny (window).
_base_ = ['./_base_/models/p2s_rle_tiny_video.py', './_base_/datasets/ipsc_video_demo.py',
          './_base_/default_runtime.py', './_base_/schedules/schedule_tiny.py']
model = dict(tokenizer=dict(num_classes=_base_.num_classes, window=_base_.window))
train_dataloader = dict(batch_size=4)
