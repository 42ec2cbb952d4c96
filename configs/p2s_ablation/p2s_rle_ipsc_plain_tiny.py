# Ablation baseline on the IPSC-like demo: p2s_rle_ipsc_tiny with every lever off (8 x 8
# feature-grid memory, no dropout, no drop-path, learned coordinate tokens, the spec's
# resampling: top-left pixel, block repeat), as shipped before the ablation.
_base_ = ['../p2s_rle_ipsc_tiny.py']
plain = dict(dropout=0.0, drop_path=0.0)
model = dict(tokenizer=dict(subsample=dict(factor=4, mode='nearest'), upsample='nearest'),
             memory_size=None, coordinate_embed=None, coordinate_pointer=False,
             encoder=plain, decoder=plain)
