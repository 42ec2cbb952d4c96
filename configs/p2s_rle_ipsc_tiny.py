# CPU-sized Pix2Seq RLE segmentor on the generated IPSC-like demo data (data/ipsc_demo,
# written by `python tools/prepare_data.py`): 64 x 64 frames used whole, the tiny token
# model as its base sets it (masks subsampled x4 to 16 x 16 by block majority, flat starts,
# coordinate and run-end pointers, L = 256, greedy decoding), the tiny schedule (AdamW, a
# few hundred iterations), flips like every paradigm of the demo (with the strong
# augmentation of longer schedules: p2s_rle_ipsc_aug_tiny.py). Same model class as
# p2s_rle_ipsc.py.
_base_ = ['./_base_/models/p2s_rle_tiny.py', './_base_/datasets/ipsc_demo.py',
          './_base_/default_runtime.py', './_base_/schedules/schedule_tiny.py']
model = dict(tokenizer=dict(num_classes=_base_.num_classes))
train_dataloader = dict(batch_size=4)
