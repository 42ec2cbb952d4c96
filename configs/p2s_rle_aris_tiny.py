# CPU-sized Pix2Seq RLE segmentor on the generated ARIS-like demo data (data/aris_demo,
# written by `python tools/prepare_data.py`): 64 x 64 frames used whole, masks
# subsampled x4 to 16 x 16, lac tokens with 2-D starts, L = 256, greedy decoding, the
# tiny schedule (AdamW, a few hundred iterations). Same model class as p2s_rle_aris.py.
_base_ = ['./_base_/models/p2s_rle_tiny.py', './_base_/datasets/aris_demo.py',
          './_base_/default_runtime.py', './_base_/schedules/schedule_tiny.py']
# coordinate tokens from the mask grid's sine code, scored against the memory (the best
# lever of the p2s-ablation suite on the real nuclei crops; image models only); each
# 4 x 4 mask block becomes its majority label and decoded masks are upsampled bilinearly
# (+5.6 mDice over the spec's top-left pixel / block repeat here, 3 seeds; see
# configs/p2s_ablation/p2s_rle_aris_nearest_tiny.py)
model = dict(tokenizer=dict(num_classes=_base_.num_classes,
                            subsample=dict(factor=4, mode='majority'), upsample='bilinear'),
             coordinate_embed='init', coordinate_pointer=True)
train_dataloader = dict(batch_size=4)
