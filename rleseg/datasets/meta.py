"""Class names, palettes and label encodings of the datasets (pure python)."""

IPSC_CLASSES = ('background', 'ipsc', 'diff')
#: Colours (RGB) of the IPSC palette PNG masks / visualisation.
IPSC_PALETTE = ((0, 0, 0), (0, 200, 0), (220, 40, 40))

ARIS_CLASSES = ('water', 'anchor_ice', 'frazil_ice')
ARIS_PALETTE = ((0, 0, 0), (128, 128, 128), (255, 255, 255))
#: Nominal grey level of each ARIS class in the label TIFFs.
ARIS_LEVELS = (0, 128, 255)
#: Level thresholds of the anti-aliased ARIS labels: <64 water, 64-191 anchor ice,
#: >=192 frazil ice.
ARIS_THRESHOLDS = (64, 192)
