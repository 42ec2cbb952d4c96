"""One worker per model directory, and no worker outliving its benchmark.

* :class:`ModelDirLock` holds an exclusive ``flock`` on ``<model_dir>/.worker.lock``
  for the worker's lifetime. A second worker on the same directory (a rerun started
  while an old worker still runs) fails at once with one line naming the holder,
  instead of sharing checkpoints and logs. The kernel drops the lock when the
  process dies, however it dies, so a stale file never blocks a rerun.
* :func:`report_lock` serialises the report phase of benchmark runs that share a work
  directory: each reads every record of the folder and writes the tables under it, so
  of two runs that finish at once the later writer has read the other's final records
  and no row is lost.
* :func:`die_with_parent` asks Linux to send the worker SIGTERM when the benchmark
  process that started it dies (even by SIGKILL), so killing ``tools/benchmark.py``
  leaves no orphan training on.
"""
from __future__ import annotations

import ctypes
import fcntl
import os
import signal
import sys
from contextlib import contextmanager
from typing import Iterator, Optional

LOCK_NAME = '.worker.lock'
REPORT_LOCK_NAME = '.report.lock'
#: Exit status of a worker that found its model directory held by another process.
EXIT_BUSY = 3
_PR_SET_PDEATHSIG = 1


class ModelDirBusy(RuntimeError):
    """Another live process holds the model directory."""


class ModelDirLock:
    """Exclusive lock of a model directory (context manager).

    Args:
        model_dir: the model's benchmark work directory (created if missing).

    Raises:
        ModelDirBusy: on entering, when another process holds the lock.
    """

    def __init__(self, model_dir: str) -> None:
        self.path = os.path.join(model_dir, LOCK_NAME)
        self._file = None

    def __enter__(self) -> 'ModelDirLock':
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        file = open(self.path, 'a+', encoding='utf-8')
        try:
            fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            file.seek(0)
            holder = file.read().strip() or 'another process'
            file.close()
            raise ModelDirBusy(f'{os.path.dirname(self.path)} is in use by {holder} (a '
                               'benchmark worker or tools/train.py still running); wait for it or stop it '
                               'before running this model again') from None
        file.seek(0)
        file.truncate()
        file.write(f'pid {os.getpid()}\n')
        file.flush()
        self._file = file
        return self

    def __exit__(self, *exc) -> None:
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None


@contextmanager
def report_lock(work_dir: str) -> Iterator[None]:
    """Hold ``<work_dir>/.report.lock`` (waiting for another holder) while the work
    directory's records are read and its reports written."""
    os.makedirs(work_dir, exist_ok=True)
    with open(os.path.join(work_dir, REPORT_LOCK_NAME), 'a', encoding='utf-8') as file:
        fcntl.flock(file.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(file.fileno(), fcntl.LOCK_UN)


def die_with_parent(parent_pid: Optional[int] = None) -> bool:
    """Have the kernel send this process SIGTERM when its parent dies (Linux).

    Args:
        parent_pid: the expected parent; if it is already gone (the parent died before
            this call), the process terminates itself at once.

    Returns:
        True when the request was registered (False on other systems).
    """
    if not sys.platform.startswith('linux'):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0) != 0:
        return False
    if parent_pid is not None and os.getppid() != parent_pid:
        os.kill(os.getpid(), signal.SIGTERM)
    return True
