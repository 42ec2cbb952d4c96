# Ablation baseline on the IPSC-like demo: p2s_rle_ipsc_tiny with every lever off (8 x 8
# feature-grid memory, no dropout, no drop-path, learned (row, column) start tokens, no
# pointers, the spec's resampling: top-left pixel, block repeat, flips only), as shipped
# before the ablation. The IPSC rows of this folder start from it and switch on the
# levers their names list.
_base_ = ['../p2s_rle_ipsc_tiny.py']
plain = dict(dropout=0.0, drop_path=0.0)
# lever e, the paper's regularisation (the rows switch it on by name)
regularised = dict(dropout=0.1, drop_path=0.1)
model = dict(tokenizer=dict(starts='2d', subsample=dict(factor=4, mode='nearest'),
                            upsample='nearest'),
             memory_size=None, coordinate_embed=None, coordinate_pointer=False,
             length_pointer=False, encoder=plain, decoder=plain)
train_dataloader = dict(dataset=dict(pipeline=_base_.train_pipeline))
