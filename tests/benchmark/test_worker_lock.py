"""One worker per model directory; no worker outlives the benchmark that started it."""
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from rleseg.benchmark.lock import ModelDirBusy, ModelDirLock


def test_second_worker_on_a_model_dir_fails_in_one_line(tmp_path):
    holder = subprocess.Popen([sys.executable, '-c', textwrap.dedent(f'''
        import sys, time
        from rleseg.benchmark.lock import ModelDirLock
        with ModelDirLock({str(tmp_path)!r}):
            print('locked', flush=True)
            time.sleep(60)
        ''')], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == 'locked'
        with pytest.raises(ModelDirBusy, match=f'in use by pid {holder.pid}'):
            with ModelDirLock(str(tmp_path)):
                pass
    finally:
        holder.kill()
        holder.wait()
    with ModelDirLock(str(tmp_path)):  # the kernel dropped the dead holder's lock
        assert (tmp_path / '.worker.lock').read_text() == f'pid {os.getpid()}\n'


def test_worker_dies_with_a_killed_parent(tmp_path):
    """SIGKILL of the benchmark (the parent) terminates its worker (the child)."""
    pid_file = tmp_path / 'child.pid'
    parent = subprocess.Popen([sys.executable, '-c', textwrap.dedent(f'''
        import os, subprocess, sys, time
        child = subprocess.Popen([sys.executable, '-c', """
        import os, time
        from rleseg.benchmark.lock import die_with_parent
        die_with_parent({{parent}})
        open({str(pid_file)!r}, 'w').write(str(os.getpid()))
        time.sleep(60)
        """.replace('{{parent}}', str(os.getpid()))])
        time.sleep(60)
        ''')])
    try:
        deadline = time.time() + 30
        while not pid_file.is_file() or not pid_file.read_text():
            assert time.time() < deadline, 'child did not start'
            time.sleep(0.1)
        child = int(pid_file.read_text())
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        deadline = time.time() + 10
        while _alive(child):
            assert time.time() < deadline, 'worker outlived its killed parent'
            time.sleep(0.1)
    finally:
        if parent.poll() is None:
            parent.kill()


def _alive(pid: int) -> bool:
    try:
        with open(f'/proc/{pid}/stat', encoding='ascii') as file:
            return file.read().split(')')[-1].split()[0] != 'Z'
    except FileNotFoundError:
        return False
