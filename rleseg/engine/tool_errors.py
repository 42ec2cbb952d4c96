"""One line, not a traceback, for the errors a user can fix.

``tools/train.py``, ``tools/test.py`` and ``tools/benchmark.py`` run their work inside
:func:`user_errors`: a data, checkpoint or config problem (:data:`USER_ERRORS`) prints
``error: <what is wrong, which file, what to do>`` on stderr and exits with status 1.
``--debug`` (:func:`add_debug_argument`) or ``RLESEG_DEBUG=1`` shows the traceback
instead. Two more cases get one line: a ``TypeError`` raised because a config dict
or ``--cfg-options`` names an argument the class does not take (a misspelt key), and
Ctrl-C (SIGINT, exit status 130). Other exceptions (bugs) always keep their
traceback.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
from contextlib import contextmanager
from typing import Iterator, Optional

from rleseg.datasets.errors import DataError
from rleseg.models.hooks import VocabLayoutError
from rleseg.models.logit_bias import LogitBiasError

from .checkpoint import CheckpointError
from .guards import NonFiniteLossError

__all__ = ['ConfigError', 'DEBUG_ENV', 'EXIT_INTERRUPTED', 'USER_ERRORS',
           'add_debug_argument', 'one_line_message', 'unknown_option_message',
           'user_errors']

#: Environment variable that, set to 1, shows tracebacks like ``--debug``.
DEBUG_ENV = 'RLESEG_DEBUG'


class ConfigError(ValueError):
    """A config or command-line option is invalid (the message names it)."""


#: Exception types reported in one line.
USER_ERRORS: tuple[type[BaseException], ...] = (
    DataError, CheckpointError, ConfigError, NonFiniteLossError, FileNotFoundError,
    VocabLayoutError, LogitBiasError)

# mmengine's build_from_cfg re-raises as "class `IPSCDataset` in rleseg/datasets/ipsc.py: ..."
_BUILD_PREFIX = re.compile(r'class `\w+` in [\w/.\\-]+\.py: ')
# a DataLoader worker re-raises with the worker's traceback; its last line is
# "rleseg.datasets.errors.DataError: <message>"
_TYPE_PREFIX = re.compile(r'^[\w.]+(?:Error|Exception): ')
# "BaseSegDataset.__init__() got an unexpected keyword argument 'data_roo'"
_KEYWORD_RE = re.compile(r"(\w+)\.__init__\(\) got an unexpected keyword argument '(\w+)'")
#: Exit status after Ctrl-C, as a shell reports a process killed by SIGINT.
EXIT_INTERRUPTED = 130


def one_line_message(error: BaseException) -> str:
    """The user-facing line of ``error``: wrapper prefixes and tracebacks removed."""
    text = str(error).strip()
    if '\n' in text:
        text = [line for line in text.splitlines() if line.strip()][-1].strip()
        text = _TYPE_PREFIX.sub('', text)
    return _BUILD_PREFIX.sub('', text) or type(error).__name__


def unknown_option_message(error: TypeError) -> Optional[str]:
    """The one-line message for a config dict that names an argument its class does not
    take (``X.__init__() got an unexpected keyword argument 'k'``), else None (a bug:
    keep the traceback)."""
    match = _KEYWORD_RE.search(str(error))
    if match is None:
        return None
    return (f'{match.group(1)} takes no argument {match.group(2)!r}: a misspelt key in a '
            'config dict of that class or in --cfg-options')


def add_debug_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--debug`` (show tracebacks) to a tool's parser."""
    parser.add_argument(
        '--debug', action='store_true',
        help=f'show the full traceback of data / checkpoint / config errors '
        f'(also: {DEBUG_ENV}=1)')


@contextmanager
def user_errors(debug: bool = False) -> Iterator[None]:
    """Turn :data:`USER_ERRORS` into one ``error:`` line on stderr and exit status 1.

    A misspelt-argument ``TypeError`` (:func:`unknown_option_message`) also exits 1;
    Ctrl-C exits :data:`EXIT_INTERRUPTED`, also when a library turned the
    ``KeyboardInterrupt`` into another error (mmengine formats the config for every
    checkpoint inside a bare ``except``).

    Args:
        debug: re-raise instead (the traceback is shown); also when the environment
            variable :data:`DEBUG_ENV` is ``1``.
    """
    debug = debug or os.environ.get(DEBUG_ENV, '') not in ('', '0')
    try:
        yield
    except (SystemExit, GeneratorExit):
        raise
    except BaseException as error:
        if debug:
            raise
        if _interrupted(error):
            _report('interrupted (Ctrl-C / SIGINT); checkpoints written before it are '
                    'complete', EXIT_INTERRUPTED)
        if isinstance(error, USER_ERRORS):
            _report(one_line_message(error), 1)
        message = unknown_option_message(error) if isinstance(error, TypeError) else None
        if message is None:
            raise
        _report(message, 1)


def _interrupted(error: BaseException) -> bool:
    """Whether ``error`` is, or was raised while handling, a KeyboardInterrupt (some
    libraries turn it into their own error in a bare ``except``)."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, KeyboardInterrupt):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def _report(message: str, status: int) -> None:
    print(f'error: {message} (--debug or {DEBUG_ENV}=1 shows the traceback)',
          file=sys.stderr)
    raise SystemExit(status) from None
