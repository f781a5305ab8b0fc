import base64
import json
import secrets
import stat
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from emulator.docker.render import sync_interval
from emulator.model.airflow_config import EnvironmentSecrets
from emulator.model.errors import StateError
from emulator.model.record import build_record
from emulator.state import home as state_module
from emulator.state.home import (
    EnvironmentState,
    LocalSettings,
    RegionState,
    generate_environment_secrets,
    generate_region_secrets,
    known_environments,
    write_private,
)


def test_secrets_are_generated_once_and_kept_private(tmp_path: Path) -> None:
    state = EnvironmentState(tmp_path, "local")
    first = state.create_secrets()
    assert state.create_secrets() == first, "later ups reuse the secrets (no InvalidToken after a rebuild)"
    assert state.secrets() == first
    assert EnvironmentState(tmp_path, "other").create_secrets().fernet_key != first.fernet_key, "per environment"
    path = state.directory / "secrets.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first.fernet_key) == 44 and first.fernet_key.endswith("=")


def test_region_credentials_are_made_once(tmp_path: Path) -> None:
    region = RegionState(tmp_path)
    made = region.create_secrets()
    assert region.create_secrets() == made == region.secrets()
    assert made.access_key.startswith("mwaa-local-")
    assert len(made.secret_key) >= 8, "MinIO wants a root password of 8 characters or more"
    assert stat.S_IMODE((region.directory / "secrets.json").stat().st_mode) == 0o600


def test_reading_secrets_never_creates_them(tmp_path: Path) -> None:
    state = EnvironmentState(tmp_path, "team")
    with pytest.raises(StateError) as caught:
        state.secrets()
    assert caught.value.message == (
        f"Environment team has no secrets yet: {state.directory / 'secrets.json'} does not exist."
    )
    assert caught.value.hint == "Run `mwaa-local up --name team`: it creates them."
    region = RegionState(tmp_path)
    with pytest.raises(StateError) as caught:
        region.secrets()
    assert caught.value.message == (
        f"The region has no S3 credentials yet: {region.directory / 'secrets.json'} does not exist."
    )
    assert caught.value.hint == "Run `mwaa-local up`: it creates them."
    assert list(tmp_path.iterdir()) == [], "nothing was written"


def test_concurrent_creators_share_one_set_of_secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """If another command saved secrets while this one made its own, both use the saved ones."""
    state = EnvironmentState(tmp_path, "team")
    theirs = generate_environment_secrets()
    real = state_module.generate_environment_secrets

    def racing() -> EnvironmentSecrets:
        write_private(state.directory / "secrets.json", json.dumps(asdict(theirs)))
        return real()

    monkeypatch.setattr(state_module, "generate_environment_secrets", racing)
    assert state.create_secrets() == theirs
    assert state.secrets() == theirs
    assert sorted(entry.name for entry in state.directory.iterdir()) == ["secrets.json"]


class ScriptedRandomness:
    """`secrets` whose first answers are given (leading '-' candidates), then real ones."""

    def __init__(self, **scripted: list[Any]) -> None:
        self.scripted = scripted

    def next(self, kind: str, real: Callable[..., Any], *arguments: Any) -> Any:
        queue = self.scripted.get(kind) or []
        return queue.pop(0) if queue else real(*arguments)

    def token_bytes(self, size: int) -> bytes:
        return bytes(self.next("token_bytes", secrets.token_bytes, size))

    def token_hex(self, size: int) -> str:
        return str(self.next("token_hex", secrets.token_hex, size))

    def token_urlsafe(self, size: int) -> str:
        return str(self.next("token_urlsafe", secrets.token_urlsafe, size))


def test_a_generated_secret_that_would_start_with_a_dash_is_drawn_again(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = ScriptedRandomness(
        token_bytes=[b"\xf8" * 32, b"\x00" * 32],
        token_urlsafe=["-xyz", "-", "_ok-password"],
    )
    monkeypatch.setattr(state_module, "secrets", fake)
    made = generate_environment_secrets()
    assert base64.urlsafe_b64encode(b"\xf8" * 32).decode().startswith("-"), "the first key would start with '-'"
    assert made.fernet_key == base64.urlsafe_b64encode(b"\x00" * 32).decode()
    assert made.admin_password == "_ok-password"

    fake.scripted["token_urlsafe"] = ["-region", "--", "region-secret"]
    assert generate_region_secrets().secret_key == "region-secret"


def test_generated_secrets_never_start_with_a_dash() -> None:
    for _ in range(3000):
        made = generate_environment_secrets()
        for value in asdict(made).values():
            assert not value.startswith("-"), made
        region = generate_region_secrets()
        assert not region.access_key.startswith("-") and not region.secret_key.startswith("-"), region


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
    assert sync_interval(LocalSettings(timings="dev")) == 0.5
    assert sync_interval(LocalSettings(timings="mwaa", sync_interval=10)) == 10
