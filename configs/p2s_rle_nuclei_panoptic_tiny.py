# Instance-wise Pix2Seq tokens on the real nuclei crops (panoptic: every nucleus is a
# group of runs closed by its class token; data/nuclei inst_dir): the tiny instance model
# (p2s_rle_tiny_instance.py: flat starts, coordinate / run-end pointers, majority
# subsampling, groups in raster order) with at most 12 instances per crop (twice the most
# in a training crop, 6), trained with the nuclei crops' strong augmentation
# (strong_augment.py; the instance map follows every geometric step; val PQ 37.4 against
# 26.7 with flips only, seed 0), disjoint instances scored by their mean token
# probability (the base's inference). Scored by PQ / SQ / RQ against Mask2Former / UNet
# components (suite nuclei-panoptic). Results: benchmarks/results/panoptic_nuclei_2026-12-08/.
_base_ = ['./_base_/models/p2s_rle_tiny_instance.py', './_base_/datasets/nuclei_panoptic.py',
          './_base_/default_runtime.py', './_base_/schedules/schedule_tiny_1500.py']
model = dict(tokenizer=dict(num_classes=_base_.num_classes, max_instances=12))
train_pipeline_aug = _base_.train_pipeline[:2] + _base_.strong_augment + \
    _base_.train_pipeline[-1:]
train_dataloader = dict(batch_size=4, dataset=dict(pipeline=train_pipeline_aug))
