"""Scores of a trained model beyond its test metrics: the token ceiling, the
validation split and test-time augmentation (same evaluator as the test split), and
the class balance of its training labels."""
from __future__ import annotations

import copy
from typing import Any, Dict, Optional

from .identity import dataset_identity
from .validation import ValidationSplit


def batch_maker(runner):
    """``n -> data``: a test batch of ``n`` copies of the first test item."""
    dataloader = runner.test_dataloader
    item = dataloader.dataset[0]
    return lambda n: dataloader.collate_fn([copy.deepcopy(item) for _ in range(n)])


def token_ceiling(model, dataloader, evaluator) -> Optional[Dict[str, float]]:
    """A token model's ceiling: a split (``dataloader``) scored, by its
    ``evaluator``, on the ground truth's own tokens (tokenized, decoded and upsampled
    by the model's tokenizer: ``test_cfg.oracle``) instead of generated ones. None
    for models without tokens."""
    from .curves import evaluate
    test_cfg = getattr(model, 'test_cfg', None)
    if not isinstance(test_cfg, dict) or 'oracle' not in test_cfg:
        return None
    test_cfg['oracle'] = True
    try:
        metrics = evaluate(model, dataloader, evaluator)
    finally:
        test_cfg['oracle'] = False
    return {key: float(value) for key, value in metrics.items()
            if not key.startswith('seq_')}


def train_class_balance(dataset) -> Optional[Dict[str, Any]]:
    """:func:`~rleseg.datasets.balance.class_balance` of a training dataset (class
    pixel shares in %, items holding each class), or None for a dataset whose items
    carry no label file."""
    from rleseg.datasets.balance import class_balance
    info = dataset.get_data_info(0) if len(dataset) else {}
    if 'seg_map_path' not in info and 'seg_map_paths' not in info:
        return None
    return class_balance(dataset)


def validation_scores(runner, split: ValidationSplit) -> Optional[Dict[str, Any]]:
    """The finished model scored on the validation split by the benchmark's
    evaluator: ``dict(metrics, ceiling, dataset)`` (as the test split's in the
    record), or None when the config has no validation split."""
    from .curves import evaluate
    built = split.build(runner)
    if built is None:
        return None
    metrics = evaluate(runner.model, *built)
    return dict(metrics={key: float(value) for key, value in metrics.items()},
                ceiling=token_ceiling(runner.model, *built),
                dataset=dataset_identity(built.dataloader.dataset))


def tta_scores(runner, views: str, latency_repeats: int = 3) -> Dict[str, Any]:
    """The test split scored by the same evaluator with test-time augmentation
    (:class:`~rleseg.models.SegDihedralTTAModel`, ``views``), and its inference speed:
    ``dict(views, metrics, b1_img_per_s)`` (sequence statistics left out: they are the
    plain evaluation's). A model the TTA wrapper does not serve (panoptic, video
    windows, a binary head; the wrapper refuses it when built) keeps its plain scores:
    ``metrics`` is empty and ``error`` says why."""
    from rleseg.models import SegDihedralTTAModel

    from .curves import evaluate
    from .measure import images_per_second
    loop = runner.test_loop
    try:
        model = SegDihedralTTAModel(module=runner.model, views=views)
    except (TypeError, ValueError) as error:
        return dict(views=views, metrics={},
                    error=f'{type(error).__name__}: {error}'.splitlines()[0])
    metrics = evaluate(model, loop.dataloader, loop.evaluator)
    speed = images_per_second(model.eval(), batch_maker(runner), 1, latency_repeats)
    return dict(views=views, metrics={key: float(value) for key, value in metrics.items()
                                      if not key.startswith('seq_')},
                b1_img_per_s=speed)
