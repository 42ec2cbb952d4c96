"""Transforms of the data side (registered in mmseg's TRANSFORMS)."""
from .loading import LoadImage, LoadSegAnnotations, LoadWindowFrames
from .patch import ExtractPatch
from .tokenize import PackRLESegInputs, RLETokenize
from .window import FormatWindow, WindowBroadcast

__all__ = ['LoadImage', 'LoadSegAnnotations', 'LoadWindowFrames', 'ExtractPatch', 'FormatWindow',
           'WindowBroadcast', 'PackRLESegInputs', 'RLETokenize']
