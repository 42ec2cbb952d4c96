# Instance-wise Pix2Seq tokens on the real nuclei crops (panoptic: every nucleus is a
# group of runs; data/nuclei inst_dir): PQ against Mask2Former / UNet components.
_base_ = ['./_base_/models/p2s_rle_tiny_2d.py', './_base_/datasets/nuclei_panoptic.py',
          './_base_/default_runtime.py', './_base_/schedules/schedule_tiny.py']
model = dict(
    type='Pix2SeqPanopticSegmentor', score_thr=0.0,
    tokenizer=dict(scheme='instance', num_classes=_base_.num_classes, mask_size=32,
                   subsample=dict(factor=2)))
train_dataloader = dict(batch_size=4)
