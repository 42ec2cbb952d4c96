"""rleseg: semantic segmentation as language modelling with run-length tokens.

Importing ``rleseg`` registers every rleseg module (datasets, transforms, models,
metrics, hooks) into mmseg's registries, so configs only need
``custom_imports=dict(imports=['rleseg'])`` and ``default_scope='mmseg'``.
The tokenizer core (:mod:`rleseg.tokenizers`) is pure numpy: its modules import
neither torch nor OpenMMLab.
"""
from . import benchmark, datasets, engine, evaluation, models, tokenizers  # noqa: F401

__version__ = '0.1.0'
