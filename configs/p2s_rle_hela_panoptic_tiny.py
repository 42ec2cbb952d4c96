# Instance-wise Pix2Seq tokens on the real HeLa frames one by one (hela_panoptic.py: the
# frames of data/hela_video with their per-frame instance ids): the tiny instance model
# (p2s_rle_tiny_instance.py: flat starts, coordinate / run-end pointers, majority
# subsampling x4, groups in raster order, L = 128: longest training sequence 59 tokens)
# with at most 12 instances per frame (twice the most in a training frame, 6). Scored by
# PQ / SQ / RQ on the same frames as the HeLa instance baselines. Budget 4,500
# iterations, chosen on val over seeds 0 1 2 (val PQ 59.8 / 69.0 / 71.6 at 1,500 / 3,000 /
# 4,500; test 64.1 +/- 0.9 at 4,500: benchmarks/results/panoptic_ablation_2026-12-08b/).
_base_ = ['./_base_/models/p2s_rle_tiny_instance.py', './_base_/datasets/hela_panoptic.py',
          './_base_/default_runtime.py', './_base_/schedules/schedule_tiny_4500.py']
model = dict(tokenizer=dict(num_classes=_base_.num_classes, max_instances=12))
train_dataloader = dict(batch_size=4)
