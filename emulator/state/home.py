"""What mwaa-local keeps about each environment between commands, under the state home.

    <home>/region/secrets.json                 S3 service credentials (one region per machine)
    <home>/region/local.json                   the region's host ports
    <home>/environments/<name>/environment.json the record (CreateEnvironment shape)
    <home>/environments/<name>/secrets.json     Fernet key, secret key, JWT secret, passwords
    <home>/environments/<name>/local.json       local-only settings (web port, timings)
    <home>/environments/<name>/compose.env, airflow-env.yaml   rendered for docker compose
    <home>/locks/region.lock, <home>/locks/environment-<name>.lock   held by a command changing them

Secrets are made by `up` (`create_secrets`) and reused afterwards, so data encrypted with the
Fernet key stays readable across rebuilds; reading them (`secrets`) never writes. Files are
written atomically and readable by the owner only. Every file read is checked: a truncated or
hand-edited one is a StateError naming the file, what is wrong and what to do.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import json
import secrets
import string
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from emulator.model.airflow_config import EnvironmentSecrets
from emulator.model.errors import EnvironmentConfigError, EnvironmentNotFoundError, StateError
from emulator.model.record import EnvironmentRecord, build_record
from emulator.model.timings import PROFILES
from emulator.state.locks import locked, shared, unused
from emulator.state.private_files import create_private, load_checked, read_json, write_private

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

    T = TypeVar("T", bound=DataclassInstance)

DEFAULT_WEB_PORT = 8080
DEFAULT_HTTPS_PORT = 8443
LOCK_TIMEOUT = 600.0  # seconds a command waits for another one changing the same environment


@dataclass(frozen=True)
class LocalSettings:
    """Settings of a local environment that MWAA's record has no member for."""

    web_port: int = DEFAULT_WEB_PORT
    timings: str = "mwaa"
    sync_interval: float | None = None  # seconds; None: the timings profile's interval
    environment_id: str = ""  # AIRFLOW_ENV_ID, made at the first `up`; a deleted environment's dies with it
    aws_endpoints: dict[str, str] = field(default_factory=dict)  # `--aws-endpoint`: service (or *) → URL
    # The image mirror and Python base it is built with (images.image_settings), fixed by `up` or
    # at its create, so a later command run with other variables never rebuilds it by surprise;
    # None: not fixed yet (the control plane then uses the region's).
    image_settings: dict[str, str] | None = None
    # The edge's https port: the WebserverUrl (MWAA's `/aws_mwaa/…` endpoints, the proxied UI);
    # None: not given yet (settings saved before the edge existed), the next start gives one.
    https_port: int | None = None


@dataclass(frozen=True)
class RegionSettings:
    """The region's host ports, fixed at its first `up` so every command finds the S3 service."""

    s3_port: int = 9000
    console_port: int = 9001
    api_port: int = 9010  # the MWAA API (the control plane)
    # The image mirror and Python base of the last `up` (images.image_settings): what environments
    # created through the API are built with. A file, not the control plane's variables, so a
    # command run with other variables never recreates the control plane under running jobs.
    image_settings: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RegionSecrets:
    access_key: str
    secret_key: str


@dataclass(frozen=True)
class RoleCredentials:
    """The keys an environment's containers act as its execution role with (docs/reference.md §7.1)."""

    access_key: str
    secret_key: str


def _ports(*names: str) -> Callable[[dict[str, Any]], list[str]]:
    def check(data: dict[str, Any]) -> list[str]:
        return [f"{name} must be between 1 and 65535" for name in names if not 1 <= data.get(name, 1) <= 65535]

    return check


def _check_local_settings(data: dict[str, Any]) -> list[str]:
    problems = _ports("web_port")(data)
    if data.get("https_port") is not None:
        problems += _ports("https_port")(data)
    if data.get("timings", "mwaa") not in PROFILES:
        problems.append(f"timings must be one of {', '.join(sorted(PROFILES))}")
    if data.get("sync_interval") is not None and data["sync_interval"] <= 0:
        problems.append("sync_interval must be greater than 0")
    return problems


def _check_not_empty(data: dict[str, Any]) -> list[str]:
    return [f"{name} must not be empty" for name, value in data.items() if value == ""]


def _not_an_option(make: Callable[[], str]) -> str:
    """A generated secret that never starts with `-`, so no command line can read it as an option."""
    while True:
        value = make()
        if not value.startswith("-"):
            return value


def generate_environment_secrets() -> EnvironmentSecrets:
    return EnvironmentSecrets(
        fernet_key=_not_an_option(lambda: base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()),
        webserver_secret=_not_an_option(lambda: secrets.token_hex(32)),
        jwt_secret=_not_an_option(lambda: secrets.token_hex(32)),
        postgres_password=_not_an_option(lambda: secrets.token_hex(16)),
        admin_password=_not_an_option(lambda: secrets.token_urlsafe(12)),
    )


def generate_role_credentials() -> RoleCredentials:
    # STS's temporary keys start with ASIA: the form a task's credentials have on MWAA.
    alphabet = string.ascii_uppercase + string.digits
    return RoleCredentials(
        access_key="ASIA" + "".join(secrets.choice(alphabet) for _ in range(16)),
        secret_key=_not_an_option(lambda: secrets.token_urlsafe(30)),
    )


def generate_region_secrets() -> RegionSecrets:
    return RegionSecrets(
        access_key="mwaa-local-" + secrets.token_hex(4),
        secret_key=_not_an_option(lambda: secrets.token_urlsafe(24)),
    )


class RegionState:
    def __init__(self, home: Path) -> None:
        self.home = home
        self.directory = home / "region"

    @property
    def settings_path(self) -> Path:
        return self.directory / "local.json"

    @property
    def secrets_path(self) -> Path:
        return self.directory / "secrets.json"

    @property
    def aws_services_directory(self) -> Path:
        """Where the control plane keeps CloudWatch Logs, CloudWatch, Secrets Manager and SSM."""
        return self.directory / "aws-services"

    @property
    def serverless_directory(self) -> Path:
        """Where the control plane keeps MWAA Serverless's workflows and their definitions."""
        return self.directory / "serverless"

    def settings(self) -> RegionSettings:
        path = self.settings_path
        if not path.exists():
            return RegionSettings()
        hint = (
            f"Restore {path} from a backup, or remove it: the next `mwaa-local up` then publishes the S3 service "
            "on port 9000, its console on 9001 and the MWAA API on 9010 (or on MWAA_LOCAL_S3_PORT, "
            "MWAA_LOCAL_S3_CONSOLE_PORT and MWAA_LOCAL_API_PORT)."
        )
        return load_checked(RegionSettings, path, hint, _ports("s3_port", "console_port", "api_port"))

    def save_settings(self, settings: RegionSettings) -> None:
        write_private(self.settings_path, json.dumps(asdict(settings), indent=2))

    def secrets(self) -> RegionSecrets:
        """The S3 service's credentials; StateError when `up` has not made them yet. Never writes."""
        path = self.secrets_path
        if not path.exists():
            raise StateError(
                f"The region has no S3 credentials yet: {path} does not exist.",
                hint="Run `mwaa-local up`: it creates them.",
            )
        hint = (
            f"Restore {path} from a backup, or remove it: the next `mwaa-local up` then makes new S3 credentials. "
            "Stop every environment first (`mwaa-local down`) so the S3 service restarts with them, and export "
            "the new ones (`mwaa-local env`)."
        )
        return load_checked(RegionSecrets, path, hint, _check_not_empty)

    def create_secrets(self) -> RegionSecrets:
        """The S3 service's credentials for `up`: the saved ones, else new ones, saved."""
        if not self.secrets_path.exists():
            create_private(self.secrets_path, json.dumps(asdict(generate_region_secrets()), indent=2))
        return self.secrets()

    def lock(self, timeout: float = LOCK_TIMEOUT) -> contextlib.AbstractContextManager[None]:
        """Held while a command changes the region; StateError after `timeout` seconds of waiting
        for another command holding it. Not re-entrant: take it once per process."""
        return locked(
            self.home / "locks" / "region.lock",
            timeout,
            "Another mwaa-local command is changing the region (S3 service)",
        )

    def in_use(self) -> contextlib.AbstractContextManager[None]:
        """Held (shared) by an `up` from before it starts the region until its environment runs,
        so that a `down` elsewhere does not stop the region under it."""
        return shared(self.home / "locks" / "region-users.lock")

    def unused(self) -> contextlib.AbstractContextManager[bool]:
        """Whether no `up` is under way; while True, none can start (it waits)."""
        return unused(self.home / "locks" / "region-users.lock")


class EnvironmentState:
    def __init__(self, home: Path, name: str) -> None:
        self.home = home
        self.name = name
        self.directory = home / "environments" / name

    @property
    def record_path(self) -> Path:
        return self.directory / "environment.json"

    @property
    def secrets_path(self) -> Path:
        return self.directory / "secrets.json"

    @property
    def settings_path(self) -> Path:
        return self.directory / "local.json"

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

    def _record_hint(self) -> str:
        return (
            f"Restore {self.record_path} from a backup, or remove it: the next `mwaa-local up --name {self.name}` "
            "then takes the settings from the workspace's environment.json or MWAA's defaults; the environment's "
            "data and secrets are kept."
        )

    def require(self) -> None:
        """EnvironmentNotFoundError unless this environment has a saved record."""
        if not self.exists():
            raise EnvironmentNotFoundError(
                f"There is no environment named {self.name} on this machine.",
                hint="Start one with `mwaa-local up` (see `mwaa-local status` for what exists).",
            )

    def load_record_fields(self) -> dict[str, Any]:
        """The saved record's members as they are in the file (a JSON object, not validated)."""
        self.require()
        return read_json(self.record_path, self._record_hint())

    def load_record(self) -> EnvironmentRecord:
        """The saved record, validated as `up` validates a record (shape, MWAA's rules, version)."""
        saved = self.load_record_fields()
        try:
            record = build_record(saved)
        except EnvironmentConfigError as error:
            raise StateError(f"Cannot use {self.record_path}: {error.message}", hint=self._record_hint()) from error
        if record.name != self.name:
            raise StateError(
                f"Cannot use {self.record_path}: it describes environment {record.name!r}, "
                f"but is kept for environment {self.name!r}.",
                hint=self._record_hint(),
            )
        return record

    def secrets(self) -> EnvironmentSecrets:
        """This environment's secrets; StateError when `up` has not made them yet. Never writes."""
        path = self.secrets_path
        if not path.exists():
            raise StateError(
                f"Environment {self.name} has no secrets yet: {path} does not exist.",
                hint=f"Run `mwaa-local up --name {self.name}`: it creates them.",
            )
        hint = (
            f"Restore {path} from a backup. Without it environment {self.name}'s database, and the connections "
            "and variables encrypted with its Fernet key, cannot be read: to start over, delete the environment "
            f"with `mwaa-local down --volumes --name {self.name}` (which removes this file too)."
        )
        return load_checked(EnvironmentSecrets, path, hint, _check_not_empty)

    def create_secrets(self) -> EnvironmentSecrets:
        """The secrets `up` starts the environment with: the saved ones, else new ones, saved.
        Of two commands creating them at once, both get the ones saved first."""
        if not self.secrets_path.exists():
            create_private(self.secrets_path, json.dumps(asdict(generate_environment_secrets()), indent=2))
        return self.secrets()

    @property
    def role_path(self) -> Path:
        return self.directory / "role.json"

    def role_credentials(self) -> RoleCredentials:
        """The execution role's keys; StateError when `up` has not made them yet. Never writes."""
        hint = (
            f"Remove {self.role_path}: the next `mwaa-local up --name {self.name}` makes new keys for the role "
            "and gives them to the environment's containers."
        )
        if not self.role_path.exists():
            raise StateError(f"Environment {self.name} has no execution role keys yet.", hint=hint)
        return load_checked(RoleCredentials, self.role_path, hint, _check_not_empty)

    def create_role_credentials(self) -> RoleCredentials:
        """The role's keys for a start: the saved ones, else new ones, saved."""
        if not self.role_path.exists():
            create_private(self.role_path, json.dumps(asdict(generate_role_credentials()), indent=2))
        return self.role_credentials()

    def has_local_settings(self) -> bool:
        return self.settings_path.exists()

    def local_settings(self) -> LocalSettings:
        path = self.settings_path
        if not path.exists():
            return LocalSettings()
        hint = (
            f"Restore {path} from a backup, or remove it: the next `mwaa-local up --name {self.name}` then gives "
            "the environment a free web port from 8080 up and MWAA's timings."
        )
        return load_checked(LocalSettings, path, hint, _check_local_settings)

    def save_local_settings(self, settings: LocalSettings) -> None:
        write_private(self.settings_path, json.dumps(asdict(settings), indent=2))

    def lock(self, timeout: float = LOCK_TIMEOUT) -> contextlib.AbstractContextManager[None]:
        """Held while a command changes this environment (`up`, `down`); StateError after `timeout`
        seconds of waiting for another command holding it. Not re-entrant: take it once per process.
        The lock file is not in the environment's folder, so deleting the folder under the lock is safe."""
        return locked(
            self.home / "locks" / f"environment-{self.name}.lock",
            timeout,
            f"Another mwaa-local command is changing environment {self.name}",
        )


def unclaimed_port(
    home: Path, name: str, taken: Callable[[int], bool], start: int, also_taken: int | None = None
) -> int:
    """A port for one of a new environment's listeners (its UI from 8080 up, its edge from 8443
    up): the first no other environment is given and `taken` does not refuse (each MWAA
    environment has a web server of its own). `also_taken`: this environment's other port."""
    # Every environment with saved settings counts, a record or not: `up` saves them first.
    root = home / "environments"
    others = sorted(
        entry.name for entry in (root.iterdir() if root.is_dir() else []) if (entry / "local.json").exists()
    )
    others = [other for other in others if other != name]
    given = {also_taken}
    for other in others:
        settings = EnvironmentState(home, other).local_settings()
        given |= {settings.web_port, settings.https_port}
    port = start
    while port in given or taken(port):
        port += 1
    return port


def ports_lock(home: Path) -> contextlib.AbstractContextManager[None]:
    """Held while a command chooses and saves an environment's ports: two environments started
    side by side never pick the same free one."""
    return locked(home / "locks" / "ports.lock", LOCK_TIMEOUT, "Another command is choosing ports")


def with_free_ports(
    settings: LocalSettings, home: Path, name: str, taken: Callable[[int], bool], web_port_given: bool
) -> LocalSettings:
    """`settings` with the ports a new environment (or one from before the edge) still lacks."""
    if not web_port_given:
        settings = dataclasses.replace(settings, web_port=unclaimed_port(home, name, taken, DEFAULT_WEB_PORT))
    if settings.https_port is None:
        settings = dataclasses.replace(
            settings, https_port=unclaimed_port(home, name, taken, DEFAULT_HTTPS_PORT, settings.web_port)
        )
    return settings


def known_environments(home: Path) -> list[str]:
    root = home / "environments"
    if not root.is_dir():
        return []
    return sorted(entry.name for entry in root.iterdir() if (entry / "environment.json").exists())
