import stat
from pathlib import Path

from emulator.environments.record import build_record
from emulator.environments.state import EnvironmentState, LocalSettings, RegionState, known_environments
from emulator.stack.render import sync_interval


def test_secrets_are_generated_once_and_kept_private(tmp_path: Path) -> None:
    state = EnvironmentState(tmp_path, "local")
    first = state.secrets()
    assert state.secrets() == first, "later ups reuse the secrets (no InvalidToken after a rebuild)"
    assert EnvironmentState(tmp_path, "other").secrets().fernet_key != first.fernet_key, "per environment"
    path = state.directory / "secrets.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first.fernet_key) == 44 and first.fernet_key.endswith("=")


def test_region_credentials_are_made_once(tmp_path: Path) -> None:
    region = RegionState(tmp_path)
    assert region.secrets() == region.secrets()
    assert len(region.secrets().secret_key) >= 8, "MinIO wants a root password of 8 characters or more"


def test_records_and_settings_round_trip(tmp_path: Path) -> None:
    state = EnvironmentState(tmp_path, "team")
    assert not state.exists() and known_environments(tmp_path) == []
    record = build_record({"Name": "team", "AirflowVersion": "2.10.3"})
    state.save_record(record)
    state.save_local_settings(LocalSettings(web_port=8088, timings="dev", sync_interval=5))
    assert state.load_record_fields() == record.fields
    assert state.local_settings() == LocalSettings(8088, "dev", 5)
    assert known_environments(tmp_path) == ["team"]


def test_sync_interval_is_the_settings_own_else_the_profiles() -> None:
    assert sync_interval(LocalSettings()) == 30
    assert sync_interval(LocalSettings(timings="dev")) == 1
    assert sync_interval(LocalSettings(timings="mwaa", sync_interval=10)) == 10
