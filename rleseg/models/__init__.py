"""Models: the Pix2Seq RLE segmentors, their transformer and the token decoding loop.

Registered in mmseg's registries: ``Pix2SeqSegmentor``, ``Pix2SeqVideoSegmentor``,
``Pix2SeqPanopticSegmentor``, ``Pix2SeqDataPreProcessor``, ``SegDihedralTTAModel``,
``LogitBiasEncoderDecoder``, ``DetectorSegmentor`` (MODELS) and ``VocabLayoutHook`` (HOOKS).
"""
from .data_preprocessor import Pix2SeqDataPreProcessor
from .detector_segmentor import DetectorSegmentor
from .decoding import GrammarField, RunGrammar, SamplingConfig, generate, sample_next
from .hooks import VocabLayoutHook
from .logit_bias import LogitBiasEncoderDecoder
from .panoptic_segmentor import GroupGrammar, Pix2SeqPanopticSegmentor
from .segmentor import Pix2SeqSegmentor
from .tta import SegDihedralTTAModel
from .transformer import KVCache, TransformerDecoder, TransformerEncoder
from .video_segmentor import FrameCrossAttention, Pix2SeqVideoSegmentor

__all__ = [
    'Pix2SeqSegmentor', 'VocabLayoutHook', 'TransformerEncoder', 'TransformerDecoder',
    'KVCache', 'RunGrammar', 'GrammarField', 'SamplingConfig', 'generate', 'sample_next',
    'Pix2SeqPanopticSegmentor', 'GroupGrammar', 'Pix2SeqVideoSegmentor', 'FrameCrossAttention',
    'Pix2SeqDataPreProcessor', 'SegDihedralTTAModel', 'LogitBiasEncoderDecoder',
    'DetectorSegmentor'
]
