"""What mwaa-local keeps about each environment between commands, under the state home.

    <home>/region/secrets.json                 S3 service credentials (one region per machine)
    <home>/environments/<name>/environment.json the record (CreateEnvironment shape)
    <home>/environments/<name>/secrets.json     Fernet key, secret key, JWT secret, passwords
    <home>/environments/<name>/local.json       local-only settings (web port, timings)
    <home>/environments/<name>/compose.env, airflow-env.yaml   rendered for docker compose

Secrets are generated at the first `up` and reused afterwards, so data encrypted with the
Fernet key stays readable across rebuilds. Files holding secrets are readable by the owner only.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from emulator.environments.airflow_config import EnvironmentSecrets
from emulator.environments.record import EnvironmentRecord
from emulator.errors import StateError

DEFAULT_WEB_PORT = 8080


@dataclass(frozen=True)
class LocalSettings:
    """Settings of a local environment that MWAA's record has no member for."""

    web_port: int = DEFAULT_WEB_PORT
    timings: str = "mwaa"
    sync_interval: float | None = None  # seconds; None: the timings profile's interval


@dataclass(frozen=True)
class RegionSettings:
    """The region's host ports, fixed at its first `up` so every command finds the S3 service."""

    s3_port: int = 9000
    console_port: int = 9001


@dataclass(frozen=True)
class RegionSecrets:
    access_key: str
    secret_key: str


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` atomically, readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)
    os.replace(temporary, path)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise StateError(
            f"Cannot read {path}: {error}.",
            hint="Restore or remove the file; removing secrets.json makes new ones (and needs `down --volumes`).",
        ) from error
    if not isinstance(data, dict):
        raise StateError(f"{path} does not hold a JSON object.", hint="Restore or remove the file.")
    return data


def generate_environment_secrets() -> EnvironmentSecrets:
    return EnvironmentSecrets(
        fernet_key=base64.urlsafe_b64encode(os.urandom(32)).decode(),
        webserver_secret=secrets.token_hex(32),
        jwt_secret=secrets.token_hex(32),
        postgres_password=secrets.token_hex(16),
        admin_password=secrets.token_urlsafe(12),
    )


class RegionState:
    def __init__(self, home: Path) -> None:
        self.home = home
        self.directory = home / "region"

    def settings(self) -> RegionSettings:
        path = self.directory / "local.json"
        return RegionSettings(**_read_json(path)) if path.exists() else RegionSettings()

    def save_settings(self, settings: RegionSettings) -> None:
        write_private(self.directory / "local.json", json.dumps(asdict(settings), indent=2))

    def secrets(self) -> RegionSecrets:
        """The S3 service's credentials, made on first use."""
        path = self.directory / "secrets.json"
        if path.exists():
            return RegionSecrets(**_read_json(path))
        made = RegionSecrets(access_key="mwaa-local-" + secrets.token_hex(4), secret_key=secrets.token_urlsafe(24))
        write_private(path, json.dumps(asdict(made), indent=2))
        return made


class EnvironmentState:
    def __init__(self, home: Path, name: str) -> None:
        self.name = name
        self.directory = home / "environments" / name

    @property
    def record_path(self) -> Path:
        return self.directory / "environment.json"

    @property
    def compose_env_path(self) -> Path:
        return self.directory / "compose.env"

    @property
    def airflow_env_path(self) -> Path:
        return self.directory / "airflow-env.yaml"

    def exists(self) -> bool:
        return self.record_path.exists()

    def save_record(self, record: EnvironmentRecord) -> None:
        write_private(self.record_path, record.to_json())

    def load_record_fields(self) -> dict[str, Any]:
        if not self.exists():
            raise StateError(
                f"There is no environment named {self.name} on this machine.",
                hint="Start one with `mwaa-local up` (see `mwaa-local status` for what exists).",
            )
        return _read_json(self.record_path)

    def secrets(self) -> EnvironmentSecrets:
        """This environment's secrets, generated on first use and kept afterwards."""
        path = self.directory / "secrets.json"
        if path.exists():
            return EnvironmentSecrets(**_read_json(path))
        made = generate_environment_secrets()
        write_private(path, json.dumps(asdict(made), indent=2))
        return made

    def has_local_settings(self) -> bool:
        return (self.directory / "local.json").exists()

    def local_settings(self) -> LocalSettings:
        path = self.directory / "local.json"
        return LocalSettings(**_read_json(path)) if path.exists() else LocalSettings()

    def save_local_settings(self, settings: LocalSettings) -> None:
        write_private(self.directory / "local.json", json.dumps(asdict(settings), indent=2))


def known_environments(home: Path) -> list[str]:
    root = home / "environments"
    if not root.is_dir():
        return []
    return sorted(entry.name for entry in root.iterdir() if (entry / "environment.json").exists())
