# CPU-sized Pix2Seq RLE segmentor on the real fluorescence-nuclei crops (data/nuclei,
# written by `python tools/prepare_data.py`): 64 x 64 crops used whole, the tiny token
# model as its base sets it (masks subsampled x4 to 16 x 16 by block majority, flat starts,
# coordinate and run-end pointers; token ceiling in the benchmark table), the nuclei base's
# augmentation (the same for every paradigm). Trained 1,500 iterations
# (schedule_tiny_1500.py), its budget in `make demo` (--suite demo); `--iters N` scales
# the schedule to N for equal-budget comparisons. Results: README.md.
_base_ = ['./_base_/models/p2s_rle_tiny.py', './_base_/datasets/nuclei.py',
          './_base_/default_runtime.py', './_base_/schedules/schedule_tiny_1500.py']
model = dict(tokenizer=dict(num_classes=_base_.num_classes))
train_dataloader = dict(batch_size=4)
