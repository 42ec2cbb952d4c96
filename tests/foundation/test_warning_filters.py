"""The tools' warning filter: known third-party deprecation warnings are hidden in the
tool's process and in the processes it starts; every other warning still shows."""
import os
import subprocess
import sys
import warnings

from rleseg.engine.warning_filters import KNOWN_WARNINGS, filter_third_party_warnings

PKG_RESOURCES = ('pkg_resources is deprecated as an API. See https://setuptools.pypa.io/'
                 'en/latest/pkg_resources.html.')


def test_known_warnings_are_hidden_and_others_shown(monkeypatch):
    monkeypatch.setenv('PYTHONWARNINGS', 'default::ResourceWarning')
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        filter_third_party_warnings()
        warnings.warn(PKG_RESOURCES, UserWarning)
        warnings.warn('pkg_resources is deprecated as an API', DeprecationWarning)
        warnings.warn('a warning of our own', UserWarning)
    assert [str(w.message) for w in caught] == ['a warning of our own']
    options = os.environ['PYTHONWARNINGS'].split(',')
    assert options[0] == 'default::ResourceWarning'  # the user's own options are kept
    assert len(options) == 1 + len(KNOWN_WARNINGS)
    assert all(',' not in message and ':' not in message for message, _ in KNOWN_WARNINGS)
    filter_third_party_warnings()  # twice: nothing repeated
    assert os.environ['PYTHONWARNINGS'].split(',') == options


def test_a_child_process_inherits_the_filter(monkeypatch):
    monkeypatch.delenv('PYTHONWARNINGS', raising=False)
    with warnings.catch_warnings():
        filter_third_party_warnings()
    code = ('import warnings\n'
            f'warnings.warn({PKG_RESOURCES!r}, UserWarning)\n'
            "warnings.warn('shown', UserWarning)\n")
    child = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                           check=True)
    assert 'pkg_resources' not in child.stderr and 'shown' in child.stderr
