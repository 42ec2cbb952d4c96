"""What the benchmark writes: readable reports, and demo data only where it is read."""
import os
import stat

from rleseg.benchmark.records import atomic_write_json
from rleseg.benchmark.run import reads_shipped_data
from rleseg.benchmark.suites import ModelSpec, resolve_config


def test_records_and_reports_follow_the_umask_not_0600(tmp_path):
    previous = os.umask(0o022)
    try:
        atomic_write_json(str(tmp_path / 'record.json'), dict(a=1))
    finally:
        os.umask(previous)
    assert stat.S_IMODE(os.stat(tmp_path / 'record.json').st_mode) == 0o644


def test_demo_data_is_written_only_for_the_repositorys_configs(tmp_path):
    assert reads_shipped_data([resolve_config('unet_nuclei_tiny')])
    composed = tmp_path / 'work' / 'configs' / 'unet_my_data.py'
    composed.parent.mkdir(parents=True)
    composed.write_text('')
    assert not reads_shipped_data([ModelSpec('unet_my_data', str(composed)),
                                   ModelSpec('missing', None)])
