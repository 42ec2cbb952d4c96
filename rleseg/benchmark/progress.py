"""Progress display of a benchmark: one status line per model and overall.

On a terminal the line is redrawn in place; otherwise (logs, CI) a line is printed
when the phase changes or every quarter of a phase.
"""
from __future__ import annotations

import sys
import time
from typing import Optional, TextIO


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f'{seconds // 3600:d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}'


class Progress:
    """Renders ``[k/n] model  phase step/total  elapsed | overall elapsed``.

    Args:
        total: number of models.
        stream: output stream (stdout by default).
    """

    def __init__(self, total: int, stream: Optional[TextIO] = None) -> None:
        self.total = total
        self.stream = stream or sys.stdout
        self.tty = self.stream.isatty()
        self.started = time.time()
        self._model_started = self.started
        self._last_key: tuple = ()
        self._open_line = False

    def start_model(self, index: int, name: str) -> None:
        """A model begins (``index`` counts from 0)."""
        self.index, self.name = index, name
        self._model_started = time.time()
        self._last_key = ()

    def update(self, phase: str, step: int = 0, total: int = 0) -> None:
        """Show the current phase of the running model."""
        quarter = (4 * step) // total if total else 0
        key = (phase, step) if self.tty else (phase, quarter)
        if key == self._last_key:
            return
        self._last_key = key
        now = time.time()
        steps = f' {step}/{total}' if total else ''
        line = (f'[{self.index + 1}/{self.total}] {self.name}: {phase}{steps}  '
                f'{_clock(now - self._model_started)} | overall '
                f'{_clock(now - self.started)}')
        if self.tty:
            self.stream.write('\r\033[K' + line)
            self._open_line = True
        else:
            self.stream.write(line + '\n')
        self.stream.flush()

    def finish_model(self, outcome: str) -> None:
        """The model ended with ``outcome`` (one short phrase)."""
        if self._open_line:
            self.stream.write('\r\033[K')
            self._open_line = False
        self.stream.write(f'[{self.index + 1}/{self.total}] {self.name}: {outcome} '
                          f'({_clock(time.time() - self._model_started)})\n')
        self.stream.flush()
