"""Pix2Seq segmentor: an image goes in, an RLE token sequence comes out.

backbone (any mmseg backbone) -> 1x1 projection to d -> transformer encoder ->
autoregressive transformer decoder over the tokenizer's vocabulary. Training is
teacher forcing on the ground truth's sequences, written by the model's
:class:`~rleseg.models.Pix2SeqDataPreProcessor` (or by the ``RLETokenize`` transform in
the data workers); inference generates tokens (KV cache, sampling, grammar constraints)
and decodes them with the same tokenizer into a class mask. With ``test_cfg.oracle``
the ground truth's own tokens are decoded instead: the token ceiling.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.structures import PixelData
from mmseg.models.segmentors.base import BaseSegmentor
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmseg.utils import ConfigType, OptConfigType, OptMultiConfig, OptSampleList, SampleList
from torch import Tensor, nn

from rleseg.tokenizers import VocabLayout, build_tokenizer, unpadded_length

from .aux_head import auxiliary_inputs, auxiliary_losses, build_auxiliary_head
from .coordinates import (apply_coordinate_embed, apply_coordinate_pointer,
                          apply_length_pointer)
from .data_preprocessor import Pix2SeqDataPreProcessor, encode_patches, ground_truth_stack
from .decoding import RunGrammar, SamplingConfig, eos_bias_processor, generate
from .drop_path import add_drop_path
from .hooks import check_layout
from .layer_config import check_width, layer_config
from .memory_grid import MemoryGrid, MemorySize, parse_memory_size
from .sliding import PatchPredictor, predict_sliding
from .token_weights import TokenWeighting, premature_eos_loss
from .transformer import TransformerDecoder, TransformerEncoder, sine_position_encoding_2d

DEFAULT_TEST_CFG = dict(
    mode='whole',            # 'whole' | 'slide'
    crop_size=None,          # slide: (h, w) patch P
    stride=None,             # slide: (h, w) stride s (default: crop_size)
    merge='max',             # slide: overlap merge 'max' | 'min' | 'mode'
    window_batch=8,          # slide: windows decoded together
    sampling=dict(strategy='sample', temperature=1.0, top_k=0, top_p=0.4),
    constrained=True,        # grammar-constrained decoding
    use_cache=True,          # KV cache (False: recompute the prefix each step)
    stop_at_eos=True,        # stop each sequence at EOS (False: always generate L)
    decode_impl='auto',      # 'auto' (eager on CPU, static on CUDA) | 'eager' | 'static'
                             # | 'graph' (CUDA graph of the static step)
    seed=0,                  # sampling seed per predict call (None: global RNG)
    eos_bias=0.0,            # added to the EOS logit before the grammar and sampling
                             # (< 0: less eager to stop; the grammar stays in force)
    oracle=False,            # True: decode the ground truth's own tokens (token ceiling)
)
DEFAULT_LOSS = dict(
    pad_weight=None,         # None: the tokenizer's weights; else weight of PAD/EOS targets
    label_smoothing=0.0,
    class_token_weight=1.0,  # extra weight on class / lac targets
    field_weight=None,       # {field: multiplier} of the targets in a vocabulary field
                             # ('start', 'length', 'lac', 'class', ...)
    class_weight=None,       # None | one multiplier per class (background first) of the
                             # tokens of a run of that class
    class_weight_on='class', # 'class': the run's class / lac token; 'run': all its tokens
    premature_eos_weight=0.0,  # weight of -log(1 - p(EOS)) at every run-start target
    normalize='weight',      # 'weight': weighted CE / the batch's weight sum; 'sequence':
                             # / the number of sequences (see loss())
    trim_padding=True,       # drop all-PAD target columns of the batch (no change in grads
                             # of real tokens; PAD-after-EOS is never generated)
)

#: loss.normalize: what the weighted token cross-entropy of a batch is divided by.
LOSS_NORMALIZE = ('weight', 'sequence')

#: Axes of a (..., H, W) map that each mmcv ``RandomFlip`` direction reverses.
FLIP_DIMS = {'horizontal': (-1, ), 'vertical': (-2, ), 'diagonal': (-2, -1)}


def restore_original(mask: Tensor, meta: dict) -> Tensor:
    """(N, H, W) labels or (N, C, H, W) float class scores at the padded input size
    -> (N, *ori_shape) labels (``meta``: a data sample's metainfo): remove the data
    preprocessor's padding, undo flips (mmcv's 'horizontal', 'vertical' and 'diagonal')
    and resize like mmseg does (labels: nearest; scores: bilinear, then the class of
    highest score, ties to the lower class)."""
    pad = meta.get('img_padding_size', meta.get('padding_size', [0, 0, 0, 0]))
    left, right, top, bottom = (int(p) for p in pad)
    h, w = mask.shape[-2:]
    mask = mask[..., top:h - bottom, left:w - right]
    if meta.get('flip', False):
        direction = meta.get('flip_direction')
        if direction not in FLIP_DIMS:
            raise ValueError(f'flip_direction must be one of {sorted(FLIP_DIMS)}, got '
                             f'{direction!r} (image {meta.get("img_path", "?")})')
        mask = mask.flip(dims=FLIP_DIMS[direction])
    ori = tuple(int(s) for s in meta.get('ori_shape', mask.shape[-2:])[:2])
    if mask.is_floating_point():
        if tuple(mask.shape[-2:]) != ori:
            mask = F.interpolate(mask, size=ori, mode='bilinear', align_corners=False)
        return mask.argmax(dim=1)
    if tuple(mask.shape[-2:]) != ori:
        mask = F.interpolate(mask[None].float(), size=ori, mode='nearest')[0].long()
    return mask


@MODELS.register_module()
class Pix2SeqSegmentor(BaseSegmentor):
    """Pix2Seq encoder-decoder that segments by generating RLE tokens.

    Args:
        backbone: mmseg backbone config (e.g. ResNet; ``frozen_stages`` and
            ``init_cfg`` are honoured by the backbone itself).
        tokenizer: ``rleseg.tokenizers.build_tokenizer`` config. The vocabulary layout is
            derived from it; a ``Pix2SeqDataPreProcessor`` is bound to it (and an
            ``RLETokenize`` transform, if used, must have the same config).
        d_model: transformer width d (paper 256).
        encoder: dict(num_layers, num_heads, mlp_dim, dropout, attn_dropout, drop_path)
            (paper 6, 8, 1024, 0.1; ``attn_dropout``: on the attention probabilities,
            None = ``dropout``, Pix2Seq's reference 0.0; ``drop_path``: per-sample
            stochastic depth of each layer, default 0; :mod:`.layer_config`).
        decoder: same keys for the decoder (paper 6, 8, 1024, 0.1).
        feature_index: which backbone output is tokenised (default the last).
        feature_channels: channels of that output (None: inferred by a dry run).
        memory_size: grid of the encoder memory: None (the feature grid), ``'mask'``
            (the tokenizer's mask grid S x S) or (h, w): the projected features are
            resampled (bilinear) to it before the encoder (:mod:`.memory_grid`).
        auxiliary_head: mmseg decode head config (or a list), trained on ``gt_sem_seg``
            next to the token loss (losses ``aux.*``) and never run at inference
            (:mod:`.aux_head`); None: none.
        auxiliary_input: what the auxiliary head reads: ``'backbone'`` outputs or the
            ``'encoder'`` memory as a (B, d, h, w) map.
        coordinate_embed: None, ``'init'`` or ``'tied'``: start / row / column token
            embeddings (tied to the output weights) initialised from, or tied to, the
            2-D sine position code of the mask grid (:mod:`.coordinates`).
        coordinate_pointer: True adds a pointer head scoring start / row / column
            tokens against the memory cells they name (needs ``memory_size='mask'``).
        length_pointer: True adds a pointer head scoring each run length against the
            memory cell where the run would end (flat starts, ``memory_size='mask'``).
        loss: see ``DEFAULT_LOSS``; ``field_weight``, ``class_token_weight``,
            ``class_weight`` / ``class_weight_on`` multiply the tokenizer's target
            weights, ``normalize`` sets the denominator of the weighted cross-entropy
            (:meth:`loss`) and ``premature_eos_weight`` adds ``loss_eos`` (rare foreground:
            :mod:`.token_weights`; runs of a rare class, run ends, the stop decision).
        train_cfg: unused (kept for mmseg symmetry).
        test_cfg: see ``DEFAULT_TEST_CFG``. ``oracle=True`` predicts from the ground
            truth (needs ``gt_sem_seg`` in the samples): tokenise it at the input size,
            decode, upsample and post-process exactly as generated tokens, in 'whole'
            and 'slide' mode (see :meth:`oracle_tokens`). ``eos_bias`` (logit units) is
            added to EOS at every step before the grammar masks illegal ids and the
            next token is picked (:func:`~.decoding.eos_bias_processor`).
        data_preprocessor: usually ``Pix2SeqDataPreProcessor`` (tokenises the ground
            truth with this model's tokenizer); init_cfg: as for any mmseg segmentor.
    """

    def __init__(self,
                 backbone: ConfigType,
                 tokenizer: dict,
                 d_model: int = 256,
                 encoder: Optional[dict] = None,
                 decoder: Optional[dict] = None,
                 feature_index: int = -1,
                 feature_channels: Optional[int] = None,
                 memory_size: MemorySize = None,
                 auxiliary_head: OptConfigType = None,
                 auxiliary_input: str = 'backbone',
                 coordinate_embed: Optional[str] = None,
                 coordinate_pointer: bool = False,
                 length_pointer: bool = False,
                 loss: Optional[dict] = None,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 data_preprocessor: OptConfigType = None,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.tokenizer = build_tokenizer(dict(tokenizer))
        self.vocab_layout: VocabLayout = self.tokenizer.layout
        self.backbone = MODELS.build(backbone)
        self.feature_index = feature_index
        channels = feature_channels or self._infer_channels()
        check_width(d_model)
        enc = layer_config(encoder, d_model, 'encoder')
        dec = layer_config(decoder, d_model, 'decoder')
        enc_drop_path, dec_drop_path = enc.pop('drop_path'), dec.pop('drop_path')
        self.input_proj = nn.Sequential(nn.Linear(channels, d_model), nn.LayerNorm(d_model))
        self.memory_grid = MemoryGrid(parse_memory_size(memory_size,
                                                        self.tokenizer.mask_shape))
        self.encoder = TransformerEncoder(d_model, **enc)
        self.decoder = TransformerDecoder(self.vocab_layout.vocab_size,
                                          self.tokenizer.max_seq_len, d_model, **dec)
        add_drop_path(self.encoder.layers, enc_drop_path, 'encoder.drop_path')
        add_drop_path(self.decoder.layers, dec_drop_path, 'decoder.drop_path')
        apply_coordinate_embed(self.decoder, self.tokenizer, coordinate_embed)
        apply_coordinate_pointer(self.decoder, self.tokenizer, coordinate_pointer,
                                 self.memory_grid.size)
        apply_length_pointer(self.decoder, self.tokenizer, length_pointer,
                             self.memory_grid.size)
        self.auxiliary_input = auxiliary_input
        self.auxiliary_head = build_auxiliary_head(auxiliary_head, auxiliary_input, d_model)
        self.loss_cfg = {**DEFAULT_LOSS, **(loss or {})}
        self.train_cfg = train_cfg
        self.test_cfg = {**DEFAULT_TEST_CFG, **dict(test_cfg or {})}
        SamplingConfig(**self.test_cfg['sampling'])  # validate early
        eos_bias_processor(0, self.test_cfg['eos_bias'])  # validate early
        self.grammar = self.build_grammar()
        self.token_weighting = self.build_token_weighting()
        self.task_id = int(self.vocab_layout.special[self.tokenizer.task])
        if isinstance(self.data_preprocessor, Pix2SeqDataPreProcessor):
            self.data_preprocessor.bind(self.tokenizer, self.test_cfg)

    # ------------------------------------------------------------------ building
    def _infer_channels(self) -> int:
        """Channels of the tokenised backbone output, from a dry run on a 64x64 image."""
        in_ch = getattr(self.backbone, 'in_channels', 3)
        was_training = self.backbone.training
        self.backbone.eval()
        with torch.no_grad():
            feats = self.backbone(torch.zeros(1, in_ch, 64, 64))
        self.backbone.train(was_training)
        return int(self._select(feats).shape[1])

    def build_grammar(self) -> Optional[RunGrammar]:
        """Grammar for constrained decoding: the run grammar of the tokenizer, or None
        for schemes with tokens outside runs (subclasses set their own)."""
        if set(self.vocab_layout.ranges) != set(self.tokenizer.run_fields):
            return None
        return RunGrammar.from_tokenizer(self.tokenizer)

    def build_token_weighting(self) -> TokenWeighting:
        """The target weighting of ``loss`` (:class:`~.token_weights.TokenWeighting`);
        its run-based options (``class_weight``, ``premature_eos_weight``) need a scheme
        whose every token is a run token (no group or other tokens between runs).
        Checks the loss options (one line naming the bad one)."""
        cfg = self.loss_cfg
        run_based = cfg['class_weight'] is not None or cfg['premature_eos_weight']
        if run_based and set(self.vocab_layout.ranges) != set(self.tokenizer.run_fields):
            raise ValueError(f'{type(self).__name__}: loss.class_weight and '
                             'loss.premature_eos_weight need a scheme with only run tokens; '
                             f'scheme {self.tokenizer.scheme!r} has '
                             f'{sorted(self.vocab_layout.ranges)}')
        if cfg['normalize'] not in LOSS_NORMALIZE:
            raise ValueError(f'{type(self).__name__}: loss.normalize must be one of '
                             f"{LOSS_NORMALIZE}, got {cfg['normalize']!r}")
        if float(cfg['premature_eos_weight']) < 0:
            raise ValueError(f'{type(self).__name__}: loss.premature_eos_weight must be '
                             f">= 0, got {cfg['premature_eos_weight']}")
        return TokenWeighting(self.tokenizer, cfg['field_weight'], cfg['class_token_weight'],
                              cfg['class_weight'], cfg['class_weight_on'])

    def _select(self, feats) -> Tensor:
        if isinstance(feats, (list, tuple)):
            return feats[self.feature_index]
        return feats

    @property
    def align_corners(self) -> bool:  # used by mmseg utilities
        return False

    # ------------------------------------------------------------------ checkpoint meta
    def get_extra_state(self) -> dict:
        """Plain-dict vocabulary layout stored in every state dict."""
        return {'vocab_layout': self.vocab_layout.to_dict()}

    def set_extra_state(self, state: dict) -> None:
        """Refuse weights trained with a different vocabulary layout."""
        if isinstance(state, dict) and 'vocab_layout' in state:
            check_layout(state['vocab_layout'], self.vocab_layout, 'Pix2SeqSegmentor')

    # ------------------------------------------------------------------ network
    def embed_features(self, feat: Tensor) -> Tuple[Tensor, Tuple[int, int]]:
        """Backbone features (B, C, h, w) -> projected tokens with 2-D positions
        (B, h'*w', d) on the memory grid (h', w') (``memory_size``), and that grid."""
        tokens = self.input_proj(feat.flatten(2).transpose(1, 2))
        tokens, (h, w) = self.memory_grid(tokens, feat.shape[-2:])
        return tokens + sine_position_encoding_2d(h, w, tokens.shape[-1],
                                                  device=tokens.device), (h, w)

    def encode(self, inputs: Tensor) -> Tuple[Any, Tensor, Tuple[int, int]]:
        """Images (B, C, H, W) -> backbone outputs, encoder memory (B, h*w, d) and its
        grid (h, w)."""
        feats = self.backbone(inputs)
        tokens, grid = self.embed_features(self._select(feats))
        return feats, self.encoder(tokens), grid

    def extract_feat(self, inputs: Tensor) -> Tensor:
        """Images (B, C, H, W) -> encoder memory (B, h*w, d). (The static-video model
        gets frame 0 of each window: ``FormatWindow`` drops the other frames.)"""
        return self.encode(inputs)[1]

    def _forward(self, inputs: Tensor, data_samples: OptSampleList = None) -> Tensor:
        """Teacher-forced logits (B, L-1, V) when samples carry ``gt_tokens``, else the
        encoder memory (B, M, d)."""
        memory = self.extract_feat(inputs)
        if data_samples and hasattr(data_samples[0], 'gt_tokens'):
            tokens = torch.stack([s.gt_tokens for s in data_samples]).to(memory.device)
            return self.decoder(tokens[:, :-1], memory)
        return memory

    # ------------------------------------------------------------------ training
    def loss(self, inputs: Tensor, data_samples: SampleList) -> Dict[str, Tensor]:
        """Weighted token cross-entropy with teacher forcing.

        ``loss.normalize='weight'`` divides the batch's weighted sum by its weight sum, so
        a batch of crops without runs (targets: EOS, then PAD) pushes EOS with the full
        loss scale whatever ``eos_weight`` is; ``'sequence'`` divides by the number of
        sequences, so every sequence adds its weighted sum and an empty crop's EOS
        counts ``eos_weight`` times a run token in every batch alike.

        Returns:
            dict with ``loss_ce`` and ``acc_tok`` (accuracy over non-PAD targets, %),
            and the auxiliary head's losses prefixed ``aux.`` (if any).
        """
        if not data_samples or not hasattr(data_samples[0], 'gt_tokens'):
            raise KeyError('Pix2SeqSegmentor.loss: data samples have no gt_tokens; use '
                           "data_preprocessor=dict(type='Pix2SeqDataPreProcessor', ...) (or "
                           'RLETokenize + PackRLESegInputs in the train pipeline)')
        device = inputs.device
        tokens = torch.stack([s.gt_tokens for s in data_samples]).to(device).long()
        weights = torch.stack([s.gt_token_weights for s in data_samples]).to(device).float()
        pad_id, eos_id = self.vocab_layout.pad_id, self.vocab_layout.eos_id
        if self.loss_cfg['trim_padding']:
            keep = unpadded_length(tokens, pad_id)
            tokens, weights = tokens[:, :keep], weights[:, :keep]
        inp, target, weight = tokens[:, :-1], tokens[:, 1:], weights[:, 1:]
        if self.loss_cfg['pad_weight'] is not None:
            special = (target == pad_id) | (target == eos_id)
            weight = torch.where(special, float(self.loss_cfg['pad_weight']),
                                 (weight > 0).float())
        weight = self.token_weighting(target, weight)
        losses = {}
        if self.auxiliary_head is None:
            memory = self.extract_feat(inputs)
        else:
            feats, memory, grid = self.encode(inputs)
            losses = auxiliary_losses(
                self.auxiliary_head,
                auxiliary_inputs(self.auxiliary_input, feats, memory, grid), data_samples,
                self.train_cfg)
        logits = self.decoder(inp, memory)
        ce = F.cross_entropy(logits.transpose(1, 2), target, reduction='none',
                             label_smoothing=float(self.loss_cfg['label_smoothing']))
        denominator = (weight.sum().clamp(min=1e-6) if self.loss_cfg['normalize'] == 'weight'
                       else float(len(target)))
        loss = (ce * weight).sum() / denominator
        if self.loss_cfg['premature_eos_weight']:
            starts = (self.token_weighting.field_index(target) == 0) & (weight > 0)
            losses['loss_eos'] = float(self.loss_cfg['premature_eos_weight']) * \
                premature_eos_loss(logits, eos_id, starts)
        real = target != pad_id
        acc = (logits.argmax(-1) == target)[real].float().mean() * 100.0
        return dict(loss_ce=loss, acc_tok=acc.detach(), **losses)

    # ------------------------------------------------------------------ inference
    def generate_tokens(self, inputs: Tensor, **overrides) -> Tensor:
        """Generate token sequences for a batch of patches.

        Args:
            inputs: (B, C, P, P) normalised images.
            overrides: keys of ``test_cfg`` (sampling, constrained, use_cache,
                stop_at_eos, seed, eos_bias) for this call.

        Returns:
            LongTensor (B, L): task token, run tokens, EOS, PAD.
        """
        cfg = {**self.test_cfg, **overrides}
        sampling = SamplingConfig(**cfg['sampling'])
        if cfg['constrained'] and self.grammar is None:
            raise ValueError(f'{type(self).__name__}: no decoding grammar for scheme '
                             f"{self.tokenizer.scheme!r}; set test_cfg.constrained=False")
        generator = None
        if cfg['seed'] is not None and sampling.strategy == 'sample':
            generator = torch.Generator(device=inputs.device).manual_seed(int(cfg['seed']))
        with torch.inference_mode():
            memory = self.extract_feat(inputs)
            prompt = torch.full((inputs.shape[0], 1), self.task_id, dtype=torch.long,
                                device=inputs.device)
            return generate(
                self.decoder, memory, prompt, self.tokenizer.max_seq_len,
                self.vocab_layout.eos_id, self.vocab_layout.pad_id, sampling,
                grammar=self.grammar if cfg['constrained'] else None,
                use_cache=cfg['use_cache'], stop_at_eos=cfg['stop_at_eos'],
                generator=generator, impl=cfg['decode_impl'],
                logits_processor=eos_bias_processor(self.vocab_layout.eos_id,
                                                    cfg['eos_bias']))

    def decode_tokens(self, tokens: Tensor) -> Tuple[List[np.ndarray], List[dict]]:
        """(B, L) tokens -> masks ((S, S) or (N, S, S) int arrays) and report dicts."""
        decoded = self.tokenizer.decode_batch(tokens.cpu().numpy())
        return [m for m, _ in decoded], [r.to_dict() for _, r in decoded]

    def mark_length_limited(self, reports: List[dict]) -> None:
        """Set ``truncated`` = 1, in place, in the decode reports of generations that
        reached the length limit L.

        The tokenizer calls a sequence truncated when it has no terminator; under
        constrained decoding the grammar forces EOS where no further run fits before
        L, so such a sequence is terminated but was cut by L all the same. A sequence
        whose EOS sits where no run fits any more counts as truncated (an EOS the model
        chose at exactly that place is indistinguishable and counts too).
        """
        if self.grammar is None or not self.test_cfg['constrained']:
            return
        limit = self.tokenizer.max_seq_len
        for report in reports:
            if not self.grammar.fits_run(report['num_tokens'] - 1, limit):
                report['truncated'] = 1

    def _grids_of(self, tokens: Tensor) -> Tuple[np.ndarray, Tensor, List[dict]]:
        """Tokens (B, L) -> decoded grids (B, N, S, S) int64 (N = 1 for images), the
        tokens and decode reports."""
        masks, reports = self.decode_tokens(tokens)
        self.mark_length_limited(reports)
        grids = np.stack(masks).astype(np.int64)
        if grids.ndim == 3:
            grids = grids[:, None]
        return grids, tokens, reports

    def _predict_grids(self, inputs: Tensor) -> Tuple[np.ndarray, Tensor, List[dict]]:
        """Patches (B, C, h, w) -> generated tokens decoded (see :meth:`_grids_of`)."""
        return self._grids_of(self.generate_tokens(inputs))

    def oracle_tokens(self, ground_truth: Tensor) -> Tensor:
        """Ground-truth patches (B, K, h, w) (:meth:`ground_truth_inputs`) -> their own
        token sequences (B, L), encoded by the model's tokenizer."""
        enc = encode_patches(self.tokenizer, ground_truth.round().long().cpu().numpy())
        return torch.from_numpy(enc.tokens).to(ground_truth.device)

    def _oracle_grids(self, ground_truth: Tensor) -> Tuple[np.ndarray, Tensor, List[dict]]:
        """Ground-truth patches (B, K, h, w) -> their tokens decoded (token ceiling)."""
        return self._grids_of(self.oracle_tokens(ground_truth))

    def ground_truth_inputs(self, inputs: Tensor, data_samples: SampleList) -> Tensor:
        """The samples' ground truth at the input size, (B, K, H, W) float on the inputs'
        device: the class map's channels (+ the instance map for scheme 'instance'),
        resized (nearest) and padded as the preprocessor did the images."""
        pad = int(getattr(self.data_preprocessor, 'seg_pad_val', 255))
        stacks = [ground_truth_stack(s, self.tokenizer, inputs.shape[-2:], pad)
                  for s in data_samples]
        return torch.from_numpy(np.stack(stacks)).to(inputs.device, torch.float32)

    def _predict_whole(self, inputs: Tensor, predict_patches: Optional[PatchPredictor] = None,
                       scores: bool = False) -> Tuple[Tensor, Tensor, List[dict]]:
        """Patches (B, C, h, w) -> masks (B, N, h, w) long (decoded grids upsampled by the
        tokenizer's rule), tokens (B, L), reports. ``predict_patches``: default
        :meth:`_predict_grids`. ``scores=True`` with the 'bilinear' rule: class scores
        (B, N, C', h, w) float instead of masks (:meth:`RLETokenizer.upsample_scores`),
        for :func:`restore_original` to resize before the argmax."""
        grids, tokens, reports = (predict_patches or self._predict_grids)(inputs)
        size = tuple(inputs.shape[-2:])
        if scores and self.tokenizer.upsample_mode == 'bilinear':
            up = torch.from_numpy(self.tokenizer.upsample_scores(grids, size))
        else:
            up = torch.from_numpy(np.ascontiguousarray(self.tokenizer.upsample(grids, size)))
            up = up.long()
        return up.to(inputs.device), tokens, reports

    def predict_scores(self, inputs: Tensor
                       ) -> Tuple[Tensor, List[Tensor], List[dict]]:
        """Images (B, C, H, W) -> class probabilities (B, K, H, W) float at the input
        size, tokens and decode report per image (as :meth:`predict` makes them); what
        test-time augmentation averages (:class:`~rleseg.models.SegDihedralTTAModel`).
        Single images only. The class scores of whole-image 'bilinear' inference, else
        the one-hot of the predicted labels (the 'nearest' rule, the stitched map of
        sliding windows)."""
        results = self._predict_items(inputs, self._predict_grids)
        frames = results[0][0].shape[0]
        if frames != 1:
            raise ValueError(f'{type(self).__name__}.predict_scores: needs single images, '
                             f'the model predicts {frames} frames per item')
        scores = [mask[0] if mask.is_floating_point() else
                  F.one_hot(mask[0], self.tokenizer.num_run_classes).permute(2, 0, 1).float()
                  for mask, _, _ in results]
        return (torch.stack(scores), [tokens for _, tokens, _ in results],
                [report for _, _, report in results])

    def encode_decode(self, inputs: Tensor, batch_img_metas: List[dict]) -> Tensor:
        """Images (B, C, H, W) -> class masks (B, N, H, W) (N = 1 for images)."""
        return self._predict_whole(inputs)[0]

    def predict(self, inputs: Tensor, data_samples: OptSampleList = None) -> SampleList:
        """Generate, decode and return masks at ``ori_shape``.

        Each returned sample has ``pred_sem_seg`` (PixelData (N, H, W), N = 1 for
        images), ``pred_tokens`` (LongTensor (L,), or (windows, L) in slide mode) and
        ``decode_report`` (dict of ints; summed over windows in slide mode;
        ``truncated`` counts generations that reached L, see
        :meth:`mark_length_limited`). With ``test_cfg.oracle`` the tokens are the ground
        truth's (:meth:`oracle_tokens`), over the same windows in slide mode.
        """
        data_samples = self._samples_or_default(inputs, data_samples)
        predictor = self._predict_grids
        if self.test_cfg['oracle']:
            inputs, predictor = self.ground_truth_inputs(inputs, data_samples), \
                self._oracle_grids
        results = self._predict_items(inputs, predictor)
        for sample, (mask, tokens, report) in zip(data_samples, results):
            sample.set_data(dict(pred_sem_seg=PixelData(
                data=restore_original(mask, sample.metainfo))))
            sample.pred_tokens = tokens
            sample.decode_report = report
        return data_samples

    def _predict_items(self, inputs: Tensor, predictor: PatchPredictor
                       ) -> List[Tuple[Tensor, Tensor, dict]]:
        """Per image, by ``test_cfg.mode``: masks (N, H, W) long, or class scores
        (N, C, H, W) float (whole image, 'bilinear' rule), at the input size; tokens
        ((L,), or (windows, L) in slide mode); decode report."""
        mode = self.test_cfg['mode']
        if mode == 'slide':
            return [self._predict_slide(inputs[i:i + 1], predictor)
                    for i in range(len(inputs))]
        if mode == 'whole':
            masks, tokens, reports = self._predict_whole(inputs, predictor, scores=True)
            return [(masks[i], tokens[i], reports[i]) for i in range(len(inputs))]
        raise ValueError(f"Pix2SeqSegmentor: test_cfg.mode must be 'whole' or 'slide', "
                         f"got {mode!r}")

    @staticmethod
    def _samples_or_default(inputs: Tensor, data_samples: OptSampleList) -> SampleList:
        """The data samples, or bare ones (ori_shape = img_shape = input size)."""
        if data_samples is not None:
            return data_samples
        return [SegDataSample(metainfo=dict(ori_shape=inputs.shape[2:],
                                            img_shape=inputs.shape[2:]))
                for _ in range(inputs.shape[0])]

    def _predict_slide(self, image: Tensor, predict_patches: PatchPredictor
                       ) -> Tuple[Tensor, Tensor, dict]:
        """One image (1, C, H, W) -> stitched mask (N, H, W), tokens (W', L), report."""
        cfg = self.test_cfg
        if cfg['crop_size'] is None:
            raise ValueError("Pix2SeqSegmentor: test_cfg.mode='slide' needs crop_size")
        crop = tuple(cfg['crop_size'])
        stride = tuple(cfg['stride'] or crop)
        mask, tokens, reports = predict_sliding(
            image[0], predict_patches, crop, stride, cfg['merge'], cfg['window_batch'],
            self.tokenizer.num_classes, self.tokenizer.upsample)
        report = {k: int(sum(r[k] for r in reports)) for k in reports[0]}
        report['num_windows'] = len(reports)
        return mask, tokens, report
