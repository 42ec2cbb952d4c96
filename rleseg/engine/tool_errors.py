"""One line, not a traceback, for the errors a user can fix.

``tools/train.py``, ``tools/test.py`` and ``tools/benchmark.py`` run their work inside
:func:`user_errors`: a data, checkpoint or config problem (:data:`USER_ERRORS`) prints
``error: <what is wrong, which file, what to do>`` on stderr and exits with status 1.
``--debug`` (:func:`add_debug_argument`) or ``RLESEG_DEBUG=1`` shows the traceback
instead. Other exceptions (bugs) always keep their traceback.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
from contextlib import contextmanager
from typing import Iterator

from rleseg.datasets.errors import DataError

from .checkpoint import CheckpointError
from .guards import NonFiniteLossError

__all__ = ['ConfigError', 'DEBUG_ENV', 'USER_ERRORS', 'add_debug_argument',
           'one_line_message', 'user_errors']

#: Environment variable that, set to 1, shows tracebacks like ``--debug``.
DEBUG_ENV = 'RLESEG_DEBUG'


class ConfigError(ValueError):
    """A config or command-line option is invalid (the message names it)."""


#: Exception types reported in one line.
USER_ERRORS: tuple[type[BaseException], ...] = (
    DataError, CheckpointError, ConfigError, NonFiniteLossError, FileNotFoundError)

# mmengine's build_from_cfg re-raises as "class `IPSCDataset` in rleseg/datasets/ipsc.py: ..."
_BUILD_PREFIX = re.compile(r'class `\w+` in [\w/.\\-]+\.py: ')
# a DataLoader worker re-raises with the worker's traceback; its last line is
# "rleseg.datasets.errors.DataError: <message>"
_TYPE_PREFIX = re.compile(r'^[\w.]+(?:Error|Exception): ')


def one_line_message(error: BaseException) -> str:
    """The user-facing line of ``error``: wrapper prefixes and tracebacks removed."""
    text = str(error).strip()
    if '\n' in text:
        text = [line for line in text.splitlines() if line.strip()][-1].strip()
        text = _TYPE_PREFIX.sub('', text)
    return _BUILD_PREFIX.sub('', text) or type(error).__name__


def add_debug_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--debug`` (show tracebacks) to a tool's parser."""
    parser.add_argument(
        '--debug', action='store_true',
        help=f'show the full traceback of data / checkpoint / config errors '
        f'(also: {DEBUG_ENV}=1)')


@contextmanager
def user_errors(debug: bool = False) -> Iterator[None]:
    """Turn :data:`USER_ERRORS` into one ``error:`` line on stderr and exit status 1.

    Args:
        debug: re-raise instead (the traceback is shown); also when the environment
            variable :data:`DEBUG_ENV` is ``1``.
    """
    try:
        yield
    except USER_ERRORS as error:
        if debug or os.environ.get(DEBUG_ENV, '') not in ('', '0'):
            raise
        print(f'error: {one_line_message(error)} (--debug or {DEBUG_ENV}=1 shows the '
              'traceback)', file=sys.stderr)
        raise SystemExit(1) from None
