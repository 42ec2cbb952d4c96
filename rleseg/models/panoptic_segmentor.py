"""Pix2Seq panoptic segmentor: instance-wise / class-wise RLE sequences out.

Same network and training as :class:`~rleseg.models.Pix2SeqSegmentor` (the data
preprocessor, or ``RLETokenize``, writes the grouped targets from the class map and the
instance map); inference generates with :class:`~rleseg.models.panoptic_grammar.
GroupGrammar` constraints, decodes the groups with the tokenizer and scores each
instance from the model's probabilities of its tokens (``instance_score``).
"""
from __future__ import annotations

from typing import List, Optional, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.structures import InstanceData, PixelData
from mmseg.registry import MODELS
from mmseg.utils import OptSampleList, SampleList
from torch import Tensor

from rleseg.tokenizers import INSTANCE_OFFSET, PanopticPrediction, PanopticRLETokenizer

from .panoptic_grammar import GroupGrammar
from .segmentor import Pix2SeqSegmentor, restore_original

#: ``instance_score`` values: the class token's probability, or the mean probability of
#: the group's tokens (its runs and its class token).
INSTANCE_SCORES = ('class', 'mean')


def instance_scores(pred: PanopticPrediction, probs: np.ndarray, mode: str) -> np.ndarray:
    """Score of each decoded instance from its tokens' probabilities.

    Args:
        pred: a decoded sequence (its ``first_token_pos`` / ``class_token_pos``).
        probs: (L,) probability of every token of the sequence given its prefix.
        mode: one of :data:`INSTANCE_SCORES`.

    Returns:
        (G,) float32 scores in [0, 1].
    """
    last = pred.class_token_pos
    if mode == 'class':
        return probs[last].astype(np.float32)
    cumulative = np.concatenate([[0.0], np.cumsum(probs, dtype=np.float64)])
    first = pred.first_token_pos
    return ((cumulative[last + 1] - cumulative[first]) / (last + 1 - first)).astype(
        np.float32)


@MODELS.register_module()
class Pix2SeqPanopticSegmentor(Pix2SeqSegmentor):
    """Pix2Seq model that predicts instances as groups of runs closed by class tokens.

    Args:
        tokenizer: a panoptic tokenizer config (``scheme='instance'`` or
            ``'classwise'``).
        score_thr: instances whose score is below it are removed (their pixels become
            background). Default 0: keep all.
        instance_score: how an instance is scored (:data:`INSTANCE_SCORES`): 'class'
            (default) the probability of its class token, 'mean' the mean probability
            of its tokens (runs and class token), each given its prefix.
        disjoint_instances: True generates under a grammar that keeps instances from
            overlapping (no run over a cell an earlier group covers; flat starts only:
            :class:`GroupGrammar` ``disjoint``). Default False.
        **kwargs: :class:`Pix2SeqSegmentor` arguments. ``test_cfg.mode`` must be
            ``'whole'`` (instances are not stitched across patches).

    ``predict`` returns per sample (all maps at ``ori_shape``):

    * ``pred_sem_seg``: PixelData (1, H, W) class map (mmseg);
    * ``pred_instance_map``: PixelData (1, H, W) int64 instance ids, 0 = none, 1..G in
      sequence order;
    * ``pred_instances``: InstanceData with ``masks`` (G, H, W) bool, ``labels`` (G,)
      class ids and ``scores`` (G,) instance scores (``instance_score``; mmdet);
    * ``pred_panoptic_seg``: PixelData ``sem_seg`` (1, H, W) = class + id *
      ``INSTANCE_OFFSET`` (mmdet's panoptic encoding);
    * ``pred_tokens`` (L,) and ``decode_report`` (dict of ints incl. ``num_groups``).

    With ``test_cfg.oracle`` the sequences are the ground truth's own (every instance
    scored 1).
    """

    def __init__(self, tokenizer: dict, score_thr: float = 0.0,
                 instance_score: str = 'class', disjoint_instances: bool = False,
                 **kwargs) -> None:
        self.disjoint_instances = bool(disjoint_instances)  # read by build_grammar
        super().__init__(tokenizer=tokenizer, **kwargs)
        if self.test_cfg['mode'] != 'whole':
            raise ValueError(f"Pix2SeqPanopticSegmentor: test_cfg.mode must be 'whole', "
                             f"got {self.test_cfg['mode']!r}")
        if instance_score not in INSTANCE_SCORES:
            raise ValueError(f'Pix2SeqPanopticSegmentor: instance_score must be one of '
                             f'{INSTANCE_SCORES}, got {instance_score!r}')
        self.score_thr = float(score_thr)
        self.instance_score = instance_score

    def build_grammar(self) -> GroupGrammar:
        """The group grammar of the panoptic tokenizer (runs, then a class token)."""
        if not isinstance(self.tokenizer, PanopticRLETokenizer):
            raise ValueError(f'Pix2SeqPanopticSegmentor: tokenizer scheme '
                             f'{self.tokenizer.scheme!r} is not panoptic; use '
                             f"'instance' or 'classwise'")
        return GroupGrammar.from_tokenizer(self.tokenizer, self.disjoint_instances)

    def token_probabilities(self, inputs: Tensor, tokens: Tensor) -> Tensor:
        """Model probability of every token given its prefix (one teacher-forced pass).

        Args:
            inputs: (B, C, H, W) images.
            tokens: (B, L) generated sequences.

        Returns:
            (B, L) float: entry t is p(tokens[t] | tokens[:t]) (softmax at temperature 1,
            no grammar); 1 for the task token and past the longest sequence's end.
        """
        pad_id = self.vocab_layout.pad_id
        used = int((tokens != pad_id).sum(dim=1).max())
        used = max(2, min(used + 1, tokens.shape[1]))
        probs = torch.ones(tokens.shape, dtype=torch.float32, device=tokens.device)
        with torch.inference_mode():
            memory = self.extract_feat(inputs)
            logits = self.decoder(tokens[:, :used - 1], memory).float()
            probs[:, 1:used] = logits.softmax(-1).gather(
                -1, tokens[:, 1:used, None])[..., 0]
        return probs

    def decode_panoptic(self, tokens: Tensor, probs: Optional[Tensor] = None
                        ) -> List[Tuple[PanopticPrediction, np.ndarray, dict]]:
        """Sequences -> per row (prediction at S x S, instance scores (G,), report dict).

        Instances scoring below ``score_thr`` are removed from the prediction (their
        pixels become background, the remaining ids are renumbered 1..G').

        Args:
            tokens: (B, L) token ids.
            probs: (B, L) token probabilities (:meth:`token_probabilities`); None
                scores every instance 1.
        """
        decoded = self.tokenizer.decode_panoptic_batch(tokens.cpu().numpy())
        probs = None if probs is None else probs.float().cpu().numpy()
        out = []
        for row, (pred, report) in enumerate(decoded):
            scores = (np.ones(pred.num_instances, np.float32) if probs is None else
                      instance_scores(pred, probs[row], self.instance_score))
            keep = scores >= self.score_thr
            if not keep.all():
                pred, scores = _keep_instances(pred, keep), scores[keep]
            out.append((pred, scores, report.to_dict()))
        self.mark_length_limited([report for _, _, report in out])
        return out

    def predict(self, inputs: Tensor, data_samples: OptSampleList = None) -> SampleList:
        """Generate, decode the groups and return maps and instances at ``ori_shape``
        (see the class docstring)."""
        data_samples = self._samples_or_default(inputs, data_samples)
        if self.test_cfg['oracle']:
            tokens = self.oracle_tokens(self.ground_truth_inputs(inputs, data_samples))
            probs = None
        else:
            tokens = self.generate_tokens(inputs)
            probs = self.token_probabilities(inputs, tokens)
        for i, (sample, (pred, scores, report)) in enumerate(
                zip(data_samples, self.decode_panoptic(tokens, probs))):
            maps = torch.from_numpy(np.stack([pred.semantic, pred.instances]).astype(
                np.int64)).to(inputs.device)
            maps = F.interpolate(maps[None].float(), size=inputs.shape[-2:],
                                 mode='nearest')[0].long()
            semantic, instances = restore_original(maps, sample.metainfo)
            ids = torch.arange(1, pred.num_instances + 1, device=instances.device)
            sample.set_data(dict(
                pred_sem_seg=PixelData(data=semantic[None]),
                pred_instance_map=PixelData(data=instances[None]),
                pred_panoptic_seg=PixelData(
                    sem_seg=(semantic + instances * INSTANCE_OFFSET)[None])))
            sample.pred_instances = InstanceData(
                masks=instances[None] == ids[:, None, None],
                labels=torch.from_numpy(pred.classes).to(instances.device),
                scores=torch.from_numpy(scores).to(instances.device))
            sample.pred_tokens = tokens[i]
            sample.decode_report = report
        return data_samples


def _keep_instances(pred: PanopticPrediction, keep: np.ndarray) -> PanopticPrediction:
    """The prediction with only the instances ``keep`` (G,) bool, renumbered 1..G'."""
    lut = np.zeros(pred.num_instances + 1, np.int64)
    lut[1:][keep] = np.arange(1, int(keep.sum()) + 1)
    instances = lut[pred.instances]
    return PanopticPrediction(
        semantic=np.where(instances > 0, pred.semantic, 0).astype(pred.semantic.dtype),
        instances=instances.astype(pred.instances.dtype), classes=pred.classes[keep],
        class_token_pos=pred.class_token_pos[keep],
        first_token_pos=pred.first_token_pos[keep])
