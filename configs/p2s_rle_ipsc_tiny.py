# CPU-sized Pix2Seq RLE segmentor on the generated IPSC-like demo data (data/ipsc_demo,
# written by `python tools/prepare_data.py`): 64 x 64 frames used whole, masks
# subsampled x4 to 16 x 16, lac tokens with 2-D starts, L = 256, greedy decoding, the
# tiny schedule (AdamW, a few hundred iterations). Same model class as p2s_rle_ipsc.py.
_base_ = ['./_base_/models/p2s_rle_tiny.py', './_base_/datasets/ipsc_demo.py',
          './_base_/default_runtime.py', './_base_/schedules/schedule_tiny.py']
# Levers of the p2s-ablation suite (3 seeds x 1,500 iterations, README): coordinate
# tokens from the mask grid's sine code, scored against the memory (image models only),
# and the tokenizer's resampling: each 4 x 4 mask block tokenised as its majority label,
# decoded masks upsampled bilinearly (on this data 46.9 +/- 3.8 mDice against 41.5 +/- 5.5
# for the top-left pixel and block repeat; token ceiling 81.7 instead of 67.4).
model = dict(tokenizer=dict(num_classes=_base_.num_classes,
                            subsample=dict(factor=4, mode='majority'), upsample='bilinear'),
             coordinate_embed='init', coordinate_pointer=True)
train_dataloader = dict(batch_size=4)
