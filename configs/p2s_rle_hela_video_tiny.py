# The video token model on the real HeLa time-lapse (hela_video.py): windows of N = 4
# consecutive 64 x 64 frames, ltac tokens (start, then one id for (length, time-as-class
# class): 2^4 - 1 = 15 classes on one 16 x 16 map), cell fusion (each frame encoded on its
# own; memory cell (y, x) is a learned map of the N frames' cells (y, x)), every lever of
# the image token model carried to windows (p2s_rle_tiny_video.py: flat starts,
# coordinate_embed='init', coordinate and run-end pointers, majority x4 / bilinear per
# frame) and the strong augmentation drawn once per window (WindowBroadcast). L = 256
# holds every training window. 1,500 iterations, batch 4 windows. Every test frame is
# scored once (VideoFrameMetric).
# Cell fusion and ltac were chosen on HeLa val over seeds 0 1 2 at 500 iterations:
# 42.7 +/- 2.4 mDice against 17.8 +/- 2.6 for the first default, tac with middle fusion
# (now p2s_rle_hela_video_middle_tiny.py); benchmarks/results/hela_video_2026-12-08/.
# Variants: *_middle_tiny (tac, middle), *_ltac_tiny (ltac, middle), *_cell_tiny (tac,
# cell), *_late_tiny, *_3d_tiny, *_3d_late_tiny, *_static_tiny, *_n1/_n2/_n8_tiny; one
# lever off each: configs/video_ablation/. Each variant inherits this file and sets all
# it changes (so no chain is deeper than four configs).
_base_ = ['./_base_/models/p2s_rle_tiny_video.py', './_base_/datasets/hela_video.py',
          './_base_/default_runtime.py', './_base_/schedules/schedule_tiny_1500.py']
model = dict(fusion='cell',
             tokenizer=dict(scheme='ltac', num_classes=_base_.num_classes,
                            window=_base_.window))
train_dataloader = dict(batch_size=4)
