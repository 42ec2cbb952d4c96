# CPU-sized Pix2Seq RLE segmentor on the real satellite roads crops (data/roads, written
# by `python tools/prepare_data.py`): 64 x 64 crops used whole, masks subsampled x4 to
# 16 x 16 (token ceiling in the benchmark table), the tiny token base's settings (lac
# tokens, flat starts, coordinate and run-end pointers, block-majority subsampling and
# bilinear upsampling), the roads base's augmentation (the same for every paradigm).
# Most crops hold no road; no lever against class imbalance is switched on here.
_base_ = ['./_base_/models/p2s_rle_tiny.py', './_base_/datasets/roads.py',
          './_base_/default_runtime.py', './_base_/schedules/schedule_tiny.py']
model = dict(tokenizer=dict(num_classes=_base_.num_classes))
train_dataloader = dict(batch_size=4)
