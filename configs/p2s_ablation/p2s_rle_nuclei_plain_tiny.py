# Ablation baseline on the real nuclei crops: p2s_rle_nuclei_tiny with every lever off,
# the tiny token model as shipped before the p2s-ablation suite: 8 x 8 feature-grid
# memory, no dropout, no drop-path, learned (row, column) start tokens, no pointers, the
# spec's resampling (top-left pixel, block repeat), flips only. Every nuclei row of this
# folder starts from it and switches on the levers its name lists (a = mask-grid memory,
# b = width / depth, c = auxiliary head, d = pointers and starts, e = regularisation and
# augmentation); the shipped_* rows start from the shipped model instead.
_base_ = ['../p2s_rle_nuclei_tiny.py']
plain = dict(dropout=0.0, drop_path=0.0)
# lever e, the paper's regularisation (the rows switch it on by name)
regularised = dict(dropout=0.1, drop_path=0.1)
model = dict(tokenizer=dict(starts='2d', subsample=dict(factor=4, mode='nearest'),
                            upsample='nearest'),
             memory_size=None, coordinate_embed=None,
             coordinate_pointer=False, length_pointer=False, encoder=plain, decoder=plain)
train_dataloader = dict(dataset=dict(pipeline=_base_.train_pipeline))
