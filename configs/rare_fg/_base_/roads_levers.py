# Imbalance levers on the roads data, shared by the dense rare_fg configs (rules and units
# in rleseg/datasets/balance.py and docs/rare_foreground.md).
#
# Class weights: w_c proportional to p_c ** -0.5 (inverse square root of the class's pixel
# frequency p_c on the training split), scaled so that sum_c p_c * w_c = 1 (the mean weight
# of a training pixel stays 1). Printed by
#   python -m rleseg.datasets.label_stats configs/unet_roads_tiny.py
# (training split data/roads/ann_dir/train: background 96.617 %, road 3.383 % of the
# pixels; road in 38 of the 200 crops).
roads_class_weight = [0.8719, 4.6594]

# Class-aware sampling (ForegroundBalancedSampler): road's class repeat factor is
# sqrt(0.3 / 0.03383) = 2.98, so each of the 36 crops holding road (at least 0.5 % of its
# pixels; 38 crops hold any road) is drawn ~3 times per pass, and each of the other 164
# half the time: per pass about 107 road crops and 82 others (57 % of the crops seen hold
# road, 19 % of the data's). Chosen before any run, to show road in about half the crops.
balanced_sampler = dict(type='ForegroundBalancedSampler', oversample_thr=0.3,
                        min_share=0.005, empty_weight=0.5)
