"""Measurements of one model: parameters, training speed, latency, peak memory.

Units: seconds, images per second, MiB (2**20 bytes).
"""
from __future__ import annotations

import os
import platform
import socket
import statistics
import time
from collections import deque
from typing import Callable, Deque, Dict, List, Mapping, Optional, Sequence

import numpy as np
import torch
from mmengine.hooks import Hook

from .records import atomic_write_json

MIB = float(2**20)
#: Label value left out of the batch class counts (rleseg's ignore index).
IGNORE_LABEL = 255


def count_parameters(model: torch.nn.Module) -> int:
    """Number of parameters of ``model`` (trainable or not)."""
    return int(sum(p.numel() for p in model.parameters()))


def _cpu_name() -> str:
    try:
        with open('/proc/cpuinfo', encoding='utf-8') as file:
            for line in file:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info() -> Dict[str, object]:
    """Where the numbers come from: host, CPU, GPU and library versions."""
    import mmcv
    import mmengine
    import mmseg
    info: Dict[str, object] = {
        'host': socket.gethostname(),
        'platform': platform.platform(),
        'python': platform.python_version(),
        'cpu': _cpu_name(),
        'cpu_count': os.cpu_count(),
        'torch_threads': torch.get_num_threads(),
        'torch': torch.__version__,
        'mmcv': mmcv.__version__,
        'mmengine': mmengine.__version__,
        'mmseg': mmseg.__version__,
        'device': 'cuda' if torch.cuda.is_available() else 'cpu',
    }
    if torch.cuda.is_available():
        info['gpu'] = torch.cuda.get_device_name(0)
    return info


class PeakMemory:
    """Peak memory of one phase of the process.

    On CUDA: ``torch.cuda.max_memory_allocated`` after ``reset_peak_memory_stats``.
    On CPU: the resident-set high-water mark ``VmHWM`` of ``/proc/self/status``, reset
    at :meth:`start` by writing 5 to ``/proc/self/clear_refs`` (Linux); where that is
    not possible, ``ru_maxrss`` (peak since the process started).
    """

    def __init__(self) -> None:
        self.cuda = torch.cuda.is_available()
        self.kind = 'cuda_max_allocated' if self.cuda else 'rss_peak'

    def start(self) -> None:
        """Begin a phase."""
        if self.cuda:
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
            return
        try:
            with open('/proc/self/clear_refs', 'w', encoding='ascii') as file:
                file.write('5')
        except OSError:
            self.kind = 'rss_peak_since_start'

    def peak_mib(self) -> float:
        """Peak of the phase so far, MiB."""
        if self.cuda:
            torch.cuda.synchronize()
            return torch.cuda.max_memory_allocated() / MIB
        try:
            with open('/proc/self/status', encoding='ascii') as file:
                for line in file:
                    if line.startswith('VmHWM:'):
                        return int(line.split()[1]) * 1024 / MIB
        except OSError:
            pass
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / MIB


class BenchmarkHook(Hook):
    """Times training iterations and writes a progress file while the runner works.

    ``iter_seconds`` holds the wall time between consecutive ``after_train_iter``
    calls (data loading, forward, backward, optimiser step and hooks), the first one
    measured from ``before_train``. The progress file (JSON: ``phase``, ``step``,
    ``total``, ``time``) is rewritten at most every ``interval_s`` seconds.
    ``acc_window`` iterations of every training accuracy the model logs (a log
    variable named ``*acc*``: mmseg's ``decode.acc_seg`` pixel accuracy, the token
    model's ``acc_tok``; percent) are kept for :meth:`train_accuracy`, and the class
    pixel counts of the same iterations' batch labels for :meth:`majority_baseline`.
    """

    priority = 'VERY_LOW'

    def __init__(self, progress_file: Optional[str] = None,
                 interval_s: float = 1.0, acc_window: int = 10) -> None:
        self.progress_file = progress_file
        self.interval_s = interval_s
        self.iter_seconds: List[float] = []
        self.acc_window = acc_window
        self._accuracies: Dict[str, Deque[float]] = {}
        self._label_counts: Deque[np.ndarray] = deque(maxlen=acc_window)
        self._last = 0.0
        self._written = 0.0

    def report(self, phase: str, step: int, total: int, force: bool = False) -> None:
        """Write the progress file (throttled unless ``force``)."""
        now = time.time()
        if self.progress_file and (force or now - self._written >= self.interval_s):
            atomic_write_json(self.progress_file,
                              dict(phase=phase, step=step, total=total, time=now))
            self._written = now

    def before_train(self, runner) -> None:
        self._last = time.perf_counter()
        self.report('train', runner.iter, runner.max_iters, force=True)

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        now = time.perf_counter()
        self.iter_seconds.append(now - self._last)
        self._last = now
        self.keep_accuracies(outputs or {}, data_batch)
        self.report('train', runner.iter + 1, runner.max_iters)

    def keep_accuracies(self, log_vars: Mapping[str, object],
                        data_batch: Optional[dict] = None) -> None:
        """Keep the accuracies among one iteration's log variables and the class pixel
        counts of its batch's labels (``gt_sem_seg`` of its data samples)."""
        for key, value in log_vars.items():
            if 'acc' in key:
                self._accuracies.setdefault(key, deque(maxlen=self.acc_window)).append(
                    float(value))
        samples = (data_batch or {}).get('data_samples') or []
        labels = [getattr(sample, 'gt_sem_seg', None) for sample in samples]
        if labels and all(label is not None for label in labels):
            values = torch.cat([label.data.flatten() for label in labels]).long()
            self._label_counts.append(
                torch.bincount(values[values < IGNORE_LABEL]).numpy())

    def majority_baseline(self) -> Optional[Dict[str, float]]:
        """The pixel accuracy of predicting one class everywhere on the batches of the
        last ``acc_window`` iterations (those :meth:`train_accuracy` averages):
        ``dict(class_index, pct)`` of their most frequent labelled class, or None
        without labels."""
        if not self._label_counts:
            return None
        total = np.zeros(max(len(c) for c in self._label_counts), np.int64)
        for counts in self._label_counts:
            total[:len(counts)] += counts
        if total.sum() == 0:
            return None
        index = int(total.argmax())
        return dict(class_index=index, pct=100.0 * float(total[index]) / float(total.sum()))

    def train_accuracy(self) -> Dict[str, float]:
        """``{log variable: mean over the last acc_window iterations}`` (percent) of
        every accuracy the model logged in training; empty when it logs none (e.g.
        Mask2Former)."""
        return {key: statistics.fmean(values) for key, values in self._accuracies.items()}

    def after_test_iter(self, runner, batch_idx: int, data_batch=None,
                        outputs=None) -> None:
        self.report('test', batch_idx + 1, len(runner.test_dataloader))

    def sec_per_iter(self) -> Optional[float]:
        """Median seconds per training iteration (robust to the first iteration's
        warm-up and to checkpoint saving), None before any iteration."""
        return statistics.median(self.iter_seconds) if self.iter_seconds else None


def _synchronize() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def images_per_second(model: torch.nn.Module, make_batch: Callable[[int], dict],
                      batch_size: int, repeats: int = 3) -> float:
    """Inference throughput of ``model.test_step`` (preprocessing and decoding
    included): ``batch_size`` over the median time of ``repeats`` calls, after one
    warm-up call (the median resists other processes sharing the machine).

    Args:
        model: an mmengine model in eval mode.
        make_batch: ``batch_size -> data`` as the test dataloader yields it.
        batch_size: images per call.
        repeats: timed calls.

    Returns:
        Items (images, or windows for a video model) per second.
    """
    data = make_batch(batch_size)
    seconds = []
    with torch.no_grad():
        model.test_step(data)
        for _ in range(repeats):
            _synchronize()
            start = time.perf_counter()
            model.test_step(data)
            _synchronize()
            seconds.append(time.perf_counter() - start)
    return batch_size / statistics.median(seconds)


def latency(model: torch.nn.Module, make_batch: Callable[[int], dict],
            batch_sizes: Sequence[int] = (1, 8), repeats: int = 3,
            frames_per_item: int = 1) -> Dict[str, float]:
    """``{'b<N>_img_per_s': throughput}`` for each batch size of N items.

    Throughput counts images scored per second: an item of a video model is a window
    of ``frames_per_item`` frames, each an image of the test split, so image and video
    models of one table are compared per frame.
    """
    model.eval()
    return {f'b{n}_img_per_s': frames_per_item * images_per_second(model, make_batch, n,
                                                                   repeats)
            for n in batch_sizes}
