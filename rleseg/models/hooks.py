"""Hook that stores the model's vocabulary layout in checkpoint meta and checks it."""
from __future__ import annotations

from typing import Optional

from mmengine.hooks import Hook
from mmengine.model import BaseTTAModel, is_model_wrapper
from mmseg.registry import HOOKS

from rleseg.tokenizers import VocabLayout

META_KEY = 'vocab_layout'


class VocabLayoutError(ValueError):
    """A checkpoint's vocabulary layout differs from the model's tokenizer."""


def _layout_of(runner) -> Optional[VocabLayout]:
    model = runner.model
    if is_model_wrapper(model) or isinstance(model, BaseTTAModel):  # DDP, tools/test.py --tta
        model = model.module
    return getattr(model, 'vocab_layout', None)


def check_layout(saved: dict, expected: VocabLayout, where: str) -> None:
    """Raise VocabLayoutError (a ValueError) when a saved layout dict differs from
    ``expected``."""
    layout = VocabLayout.from_dict(saved)
    if layout != expected:
        raise VocabLayoutError(
            f'{where}: checkpoint vocabulary layout (vocab_size {layout.vocab_size}, '
            f'ranges {dict(layout.ranges)}) differs from the config\'s (vocab_size '
            f'{expected.vocab_size}, ranges {dict(expected.ranges)}); use the tokenizer '
            'settings the checkpoint was trained with')


@HOOKS.register_module()
class VocabLayoutHook(Hook):
    """Write ``meta['vocab_layout']`` (a plain dict) into every checkpoint and refuse a
    checkpoint whose layout differs from the model's when it is loaded or resumed.

    Models without a ``vocab_layout`` attribute (e.g. mmseg baselines) are left alone.
    """

    priority = 'NORMAL'

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        layout = _layout_of(runner)
        if layout is not None:
            checkpoint.setdefault('meta', {})[META_KEY] = layout.to_dict()

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        layout = _layout_of(runner)
        saved = checkpoint.get('meta', {}).get(META_KEY)
        if layout is not None and saved is not None:
            check_layout(saved, layout, 'VocabLayoutHook')
