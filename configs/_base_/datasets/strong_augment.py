# Stronger augmentation for small data (p2s-ablation lever e), shared by the bases of
# 64 x 64 data (nuclei.py, ipsc_demo.py): zoom-in jitter x1-1.5 of the image resized to
# 64 x 64, cropped back to 64 x 64, all 8 flips / 90-degree rotations, brightness and
# contrast jitter. Goes between the loading steps and PackSegInputs.
strong_augment = [
    dict(type='RandomResize', scale=(64, 64), ratio_range=(1.0, 1.5), keep_ratio=False),
    dict(type='RandomCrop', crop_size=(64, 64)),
    dict(type='RandomFlip', prob=0.5, direction=['horizontal', 'vertical']),
    dict(type='RandomRotFlip', rotate_prob=0.0, flip_prob=1.0),
    dict(type='PhotoMetricDistortion', brightness_delta=24, contrast_range=(0.75, 1.25),
         saturation_range=(1.0, 1.0), hue_delta=1),
]
