"""The validation split of a benchmark run: what learning curves and selection score.

The benchmark keeps mmengine's validation loop off (no validation during training:
the runner would score it at its own intervals and hooks could act on it). The
config's ``val_dataloader`` and evaluator are moved under :data:`VAL_SPLIT_KEY`
instead (:func:`detach_validation`) and built once, on demand, by
:class:`ValidationSplit`: learning-curve points score it while training and the
finished model is scored on it next to the test split. Settings, budgets and
checkpoints are chosen on this split only; the test split is only reported.
"""
from __future__ import annotations

from typing import Any, NamedTuple, Optional

#: Top-level config key holding ``dict(dataloader=..., evaluator=...)`` of the
#: validation split (None: the config has no ``val_dataloader``).
VAL_SPLIT_KEY = 'benchmark_val_split'
#: Names of the two splits a benchmark model is scored on (records, tables, curves).
SPLIT_VAL = 'val'
SPLIT_TEST = 'test'


def detach_validation(cfg, evaluator: Any) -> None:
    """Move the validation split of ``cfg`` (in place) under :data:`VAL_SPLIT_KEY`
    and switch mmengine's validation loop off (``val_cfg``, ``val_dataloader`` and
    ``val_evaluator`` None).

    Args:
        cfg: an mmengine ``Config``.
        evaluator: the evaluator config the validation split is scored with (the
            benchmark's, the same metric as the test split's).
    """
    dataloader = cfg.get('val_dataloader')
    cfg[VAL_SPLIT_KEY] = (dict(dataloader=dataloader, evaluator=evaluator)
                          if dataloader else None)
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None


class BuiltSplit(NamedTuple):
    """A split ready to score: an mmengine dataloader and ``Evaluator``."""
    dataloader: Any
    evaluator: Any


class ValidationSplit:
    """The validation split of a benchmark config, built the first time it is asked
    for (with the runner's seed and evaluator builder) and reused afterwards.

    Args:
        split_cfg: ``cfg[VAL_SPLIT_KEY]`` (None: the config has no validation split).
    """

    def __init__(self, split_cfg: Optional[dict]) -> None:
        self.split_cfg = split_cfg
        self._built: Optional[BuiltSplit] = None

    @property
    def exists(self) -> bool:
        """True when the config has a validation split."""
        return self.split_cfg is not None

    def build(self, runner) -> Optional[BuiltSplit]:
        """The dataloader and evaluator of the split (None without one)."""
        if self.split_cfg is None:
            return None
        if self._built is None:
            dataloader = runner.build_dataloader(self.split_cfg['dataloader'],
                                                 seed=runner.seed)
            evaluator = runner.build_evaluator(self.split_cfg['evaluator'])
            if hasattr(dataloader.dataset, 'metainfo'):
                evaluator.dataset_meta = dataloader.dataset.metainfo
            self._built = BuiltSplit(dataloader, evaluator)
        return self._built
