# The video token model on the real HeLa time-lapse (hela_video.py): windows of N = 4
# consecutive 64 x 64 frames, tac tokens (2^4 - 1 = 15 time-as-class classes on one
# 16 x 16 map), middle fusion, every lever of the image token model carried to windows
# (p2s_rle_tiny_video.py: flat starts, coordinate_embed='init', coordinate and run-end
# pointers on the fused map, majority x4 / bilinear per frame) and the strong
# augmentation drawn once per window (WindowBroadcast). L = 256 holds all 765 training
# windows (ground truth 68.6 tokens per window on average, at most 224; measured with
# rleseg.tokenizers.stats, benchmarks/results/hela_video_2026-12-07/README.md).
# 1,500 iterations, batch 4 windows. Every test frame is scored once (VideoFrameMetric).
# Variants: *_ltac_tiny, *_3d_tiny (3d-lac), *_late_tiny, *_static_tiny, *_n1/_n2/_n8_tiny;
# one lever off each: configs/video_ablation/.
_base_ = ['./_base_/models/p2s_rle_tiny_video.py', './_base_/datasets/hela_video.py',
          './_base_/default_runtime.py', './_base_/schedules/schedule_tiny_1500.py']
model = dict(tokenizer=dict(num_classes=_base_.num_classes, window=_base_.window))
train_dataloader = dict(batch_size=4)
