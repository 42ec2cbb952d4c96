"""Progress display of a benchmark: one status per run and overall, for one run at a
time or several at once (``--jobs``, a job array).

On a terminal one line is redrawn in place (the running runs side by side); otherwise
(logs, CI) a line is printed when a run's phase changes or every quarter of a phase.
"""
from __future__ import annotations

import sys
import time
from typing import Any, Dict, Optional, TextIO, Tuple


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f'{seconds // 3600:d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}'


def outcome(record: Dict[str, Any]) -> str:
    """How a run ended, in one short phrase (``done, val mDice 80.4, test mDice 81.2``
    or the error)."""
    if record.get('status') == 'done':
        evaluation = record['eval']
        scores = [(split, (metrics or {}).get('mDice')) for split, metrics in (
            ('val', (evaluation.get('val') or {}).get('metrics')),
            ('test', evaluation['metrics']))]
        return ', '.join(['done'] + [f'{split} mDice {dice:.1f}'
                                     for split, dice in scores if dice is not None])
    return f"{record.get('status')}: {record.get('error', '')}"


class Progress:
    """Renders ``[k/n] run  phase step/total  elapsed | overall elapsed``.

    Args:
        total: number of runs.
        stream: output stream (stdout by default).
    """

    def __init__(self, total: int, stream: Optional[TextIO] = None) -> None:
        self.total = total
        self.stream = stream or sys.stdout
        self.tty = self.stream.isatty()
        self.started = time.time()
        self._runs: Dict[int, Dict] = {}
        self._open_line = False

    def start(self, index: int, label: str) -> None:
        """Run ``index`` (counting from 0, its place in the grid) begins."""
        self._runs[index] = dict(label=label, started=time.time(), key=(), status='')

    def update(self, index: int, phase: str, step: int = 0, total: int = 0) -> None:
        """Show the current phase of running run ``index``."""
        run = self._runs[index]
        quarter = (4 * step) // total if total else 0
        key: Tuple = (phase, step) if self.tty else (phase, quarter)
        if key == run['key']:
            return
        run['key'] = key
        steps = f' {step}/{total}' if total else ''
        run['status'] = f'{phase}{steps}'
        now = time.time()
        if self.tty:
            running = ' · '.join(self._head(i) + f": {r['status']}"
                                 for i, r in sorted(self._runs.items()) if r['status'])
            self.stream.write(f'\r\033[K{running} | overall {_clock(now - self.started)}')
            self._open_line = True
        else:
            self.stream.write(f"{self._head(index)}: {run['status']}  "
                              f"{_clock(now - run['started'])} | overall "
                              f'{_clock(now - self.started)}\n')
        self.stream.flush()

    def finish(self, index: int, outcome: str) -> None:
        """Run ``index`` ended with ``outcome`` (one short phrase)."""
        if self._open_line:
            self.stream.write('\r\033[K')
            self._open_line = False
        run = self._runs.pop(index)
        self.stream.write(f'{self._head(index, run)}: {outcome} '
                          f"({_clock(time.time() - run['started'])})\n")
        self.stream.flush()

    def note(self, text: str) -> None:
        """One line about the whole grid (submission, waiting)."""
        if self._open_line:
            self.stream.write('\r\033[K')
            self._open_line = False
        self.stream.write(text + '\n')
        self.stream.flush()

    def _head(self, index: int, run: Optional[Dict] = None) -> str:
        run = run or self._runs[index]
        return f"[{index + 1}/{self.total}] {run['label']}"
