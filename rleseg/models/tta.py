"""Test-time augmentation over flips and 90-degree rotations, for every paradigm.

:class:`SegDihedralTTAModel` wraps a semantic segmentor (mmseg's ``EncoderDecoder``
family — UNet, DeepLabV3+, Mask2Former — or :class:`Pix2SeqSegmentor`), predicts each
batch under several symmetries of the input tensor, maps every view's class
probabilities back to the original orientation, averages them and takes the class of
highest mean probability at the original image size. The views act on the
preprocessed batch, so the test pipeline is the model's own (no ``tta_pipeline``), and
every paradigm sees exactly the same views.

Class probabilities per view: the softmax of a dense model's logits (what mmseg's
``SegTTAModel`` averages); for the token model, its decoded mask as class maps
upsampled by the tokenizer's rule (:meth:`Pix2SeqSegmentor.predict_scores`: one-hot
cells, soft at cell boundaries with 'bilinear'; with sliding windows the stitched label
map, one-hot), so averaging is a vote over views.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple, Union

import torch
from mmengine.model import BaseTTAModel
from mmengine.structures import PixelData
from mmseg.models.segmentors import EncoderDecoder
from mmseg.registry import MODELS
from mmseg.utils import SampleList
from torch import Tensor, nn

from .panoptic_segmentor import Pix2SeqPanopticSegmentor
from .segmentor import Pix2SeqSegmentor, restore_original

#: A view: (k, flip) = rotate by k x 90 degrees (torch.rot90 over H, W), then flip
#: left-right when ``flip``.
View = Tuple[int, bool]
#: The named view sets. 'flips': identity, horizontal and vertical flip (what mmseg's
#: flip TTA pipeline gives); 'dihedral': the 8 symmetries of the square.
VIEWS: Dict[str, Tuple[View, ...]] = {
    'flips': ((0, False), (0, True), (2, True)),
    'dihedral': tuple((k, flip) for flip in (False, True) for k in range(4)),
}


def apply_view(x: Tensor, view: View) -> Tensor:
    """(..., H, W) -> the view of ``x``: rotated by k x 90 degrees, then flipped."""
    k, flip = view
    x = torch.rot90(x, k, dims=(-2, -1)) if k % 4 else x
    return x.flip(-1) if flip else x


def invert_view(x: Tensor, view: View) -> Tensor:
    """The inverse of :func:`apply_view`: a view's output back to the input's frame."""
    k, flip = view
    x = x.flip(-1) if flip else x
    return torch.rot90(x, -k, dims=(-2, -1)) if k % 4 else x


@MODELS.register_module()
class SegDihedralTTAModel(BaseTTAModel):
    """Average class probabilities over symmetries of the input (see the module doc).

    Used by ``tools/test.py --tta`` (``tta_model`` of the default runtime) and by
    ``tools/benchmark.py --tta``. The wrapped model's checkpoint loads unchanged
    (mmengine loads a TTA model's weights into ``module``).

    Args:
        module: the segmentor (config dict or module).
        views: a key of :data:`VIEWS`.
        data_preprocessor: overrides the module's (with ``module`` as a config dict).
    """

    def __init__(self, module: Union[dict, nn.Module], views: str = 'dihedral',
                 data_preprocessor: Optional[Union[dict, nn.Module]] = None) -> None:
        if views not in VIEWS:
            raise ValueError(f'SegDihedralTTAModel: views must be one of {sorted(VIEWS)}, '
                             f'got {views!r}')
        if isinstance(module, dict):  # built in mmseg's registry, whatever the scope
            module = MODELS.build(module if data_preprocessor is None else
                                  dict(module, data_preprocessor=data_preprocessor))
        if isinstance(module, Pix2SeqPanopticSegmentor) or not isinstance(
                module, (Pix2SeqSegmentor, EncoderDecoder)):
            raise TypeError(f'SegDihedralTTAModel: test-time augmentation needs a semantic '
                            f'segmentor (mmseg EncoderDecoder or Pix2SeqSegmentor), got '
                            f'{type(module).__name__}')
        if isinstance(module, Pix2SeqSegmentor) and module.tokenizer.window != 1:
            raise ValueError(f'SegDihedralTTAModel: needs single images, the model predicts '
                             f'{module.tokenizer.window} frames per item')
        if isinstance(module, EncoderDecoder) and module.decode_head.out_channels == 1:
            raise ValueError('SegDihedralTTAModel: a binary head with out_channels=1 is not '
                             'supported (its threshold is not a probability average); '
                             'use out_channels=num_classes')
        super().__init__(module)
        self.views = VIEWS[views]

    def probabilities(self, inputs: Tensor
                      ) -> Tuple[Tensor, Optional[Tuple[List[Tensor], List[dict]]]]:
        """Preprocessed images (B, C, H, W) -> class probabilities (B, K, H, W) float at
        the input size, and for a token model its (tokens, decode reports) per image."""
        if isinstance(self.module, Pix2SeqSegmentor):
            scores, tokens, reports = self.module.predict_scores(inputs)
            return scores.float(), (tokens, reports)
        size = tuple(inputs.shape[-2:])
        metas = [dict(img_shape=size, pad_shape=size, ori_shape=size,
                      batch_input_shape=size) for _ in range(len(inputs))]
        return self.module.inference(inputs, metas).softmax(dim=1), None

    def test_step(self, data: Union[dict, tuple, list]) -> SampleList:
        """A test batch (as the model's dataloader yields it) -> data samples with
        ``pred_sem_seg`` at ``ori_shape`` (and, for a token model, ``pred_tokens`` /
        ``decode_report`` of the identity view)."""
        data = self.module.data_preprocessor(data, False)
        inputs, samples = data['inputs'], data['data_samples']
        total: Optional[Tensor] = None
        sequences = None
        for view in self.views:
            probs, extra = self.probabilities(apply_view(inputs, view))
            probs = invert_view(probs, view)
            total = probs if total is None else total + probs
            sequences = sequences or extra
        total = total / len(self.views)
        for i, sample in enumerate(samples):
            sample.set_data(dict(pred_sem_seg=PixelData(
                data=restore_original(total[i:i + 1], sample.metainfo))))
            if sequences is not None:
                sample.pred_tokens = sequences[0][i]
                sample.decode_report = sequences[1][i]
        return samples

    def merge_preds(self, data_samples_list: List[SampleList]) -> SampleList:
        """Not used: the views are made from the batch tensor in :meth:`test_step`,
        not by a test-time-augmentation pipeline."""
        raise NotImplementedError('SegDihedralTTAModel builds its views in test_step; '
                                  'do not combine it with a TestTimeAug pipeline')
