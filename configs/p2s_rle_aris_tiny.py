# CPU-sized Pix2Seq RLE segmentor on the generated ARIS-like demo data (data/aris_demo,
# written by `python tools/prepare_data.py`): 64 x 64 frames used whole, masks subsampled
# x4 to 16 x 16 by block majority and upsampled bilinearly, L = 256, greedy decoding, the
# tiny schedule (AdamW, a few hundred iterations). Same model class as p2s_rle_aris.py.
# Unlike the tiny base it keeps (row, column) starts without the run-end pointer (the
# coordinate pointer stays): flat starts with the run-end pointer gave no gain on this data
# (p2s_ablation/p2s_rle_aris_end_tiny.py, configs/p2s_ablation/README.md).
_base_ = ['./_base_/models/p2s_rle_tiny.py', './_base_/datasets/aris_demo.py',
          './_base_/default_runtime.py', './_base_/schedules/schedule_tiny.py']
model = dict(tokenizer=dict(num_classes=_base_.num_classes, starts='2d'),
             length_pointer=False)
train_dataloader = dict(batch_size=4)
