# CPU-sized Pix2Seq RLE segmentor on the real fluorescence-nuclei crops (data/nuclei,
# written by `python tools/prepare_data.py`): 64 x 64 crops used whole, masks subsampled
# x4 to 16 x 16 (token ceiling in the benchmark table), lac tokens, the nuclei base's
# augmentation (the same for every paradigm).
_base_ = ['./_base_/models/p2s_rle_tiny.py', './_base_/datasets/nuclei.py',
          './_base_/default_runtime.py', './_base_/schedules/schedule_tiny.py']
# The best levers of the p2s-ablation suite on these crops (3 seeds x 1,500 iterations,
# README): flat starts (one token per mask cell) with the mask grid's sine code, each start
# scored against its memory cell (coordinate_pointer) and each run length against the
# cell where the run ends (length_pointer); each 4 x 4 mask block tokenised as its
# majority label and decoded masks upsampled bilinearly (token ceiling 92.7 instead of
# 86.7 for the top-left pixel and block repeat).
model = dict(tokenizer=dict(num_classes=_base_.num_classes, starts='flat',
                            subsample=dict(factor=4, mode='majority'), upsample='bilinear'),
             coordinate_embed='init', coordinate_pointer=True, length_pointer=True)
train_dataloader = dict(batch_size=4)
