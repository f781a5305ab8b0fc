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
import fcntl
import json
import os
import secrets
import tempfile
import time
import types
import typing
from collections.abc import Callable, Iterator
from dataclasses import MISSING, asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from emulator.environments.airflow_config import EnvironmentSecrets
from emulator.environments.record import EnvironmentRecord, build_record
from emulator.environments.timings import PROFILES
from emulator.errors import EnvironmentConfigError, StateError

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

    T = TypeVar("T", bound=DataclassInstance)

DEFAULT_WEB_PORT = 8080
LOCK_TIMEOUT = 600.0  # seconds a command waits for another one changing the same environment
_LOCK_POLL = 0.1


@dataclass(frozen=True)
class LocalSettings:
    """Settings of a local environment that MWAA's record has no member for."""

    web_port: int = DEFAULT_WEB_PORT
    timings: str = "mwaa"
    sync_interval: float | None = None  # seconds; None: the timings profile's interval
    environment_id: str = ""  # AIRFLOW_ENV_ID, made at the first `up`; a deleted environment's dies with it
    aws_endpoints: dict[str, str] = field(default_factory=dict)  # `--aws-endpoint`: service (or *) → URL


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
    """Write `text` to `path` atomically, readable by the owner only: a temporary file of its own
    in the same folder (mode 0600, synced), renamed over `path`. Readers see the old content or
    the new, never part of it; concurrent writers never share a temporary file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = _write_temporary(path, text)
    try:
        os.replace(temporary, path)
    except BaseException:
        _remove(temporary)
        raise
    _sync_folder(path.parent)


def _write_temporary(path: Path, text: str) -> Path:
    """`text` in a new private file next to `path` (removed again if writing fails)."""
    descriptor, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    temporary = Path(name)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        _remove(temporary)
        raise
    return temporary


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def _sync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable (best effort: not every file system allows it)."""
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _create_private(path: Path, text: str) -> bool:
    """Write `text` to `path` unless it exists already (then leave it alone): True if written.
    Atomic: of two commands creating the same file at once, exactly one writes it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = _write_temporary(path, text)
    try:
        os.link(temporary, path)
    except FileExistsError:
        return False
    except OSError:  # a file system without hard links: create-if-absent, less strictly
        if path.exists():
            return False
        os.replace(temporary, path)
    finally:
        _remove(temporary)
    _sync_folder(path.parent)
    return True


_JSON_KINDS = {list: "array", str: "string", int: "number", float: "number", bool: "boolean", type(None): "null"}


def _read_json(path: Path, hint: str) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        problem = f"it is not valid JSON ({error.msg}: line {error.lineno}, column {error.colno})"
        raise StateError(f"Cannot read {path}: {problem}.", hint=hint) from error
    except UnicodeDecodeError as error:
        raise StateError(f"Cannot read {path}: it is not valid JSON (not UTF-8 text).", hint=hint) from error
    except OSError as error:
        raise StateError(f"Cannot read {path}: {error.strerror or error}.", hint=hint) from error
    if not isinstance(data, dict):
        kind = _JSON_KINDS.get(type(data), type(data).__name__)
        raise StateError(f"Cannot read {path}: it holds a JSON {kind} instead of an object.", hint=hint)
    return data


_TYPE_NAMES: dict[Any, str] = {
    int: "an integer",
    float: "a number",
    str: "a string",
    bool: "true or false",
    types.NoneType: "null",
    dict: "an object",
    list: "a list",
}


def _alternatives(hint: Any) -> tuple[Any, ...]:
    return typing.get_args(hint) if typing.get_origin(hint) in (typing.Union, types.UnionType) else (hint,)


def _fits(value: Any, hint: Any) -> bool:
    """Whether a JSON value fits a field's type: int, float, str, bool, None, dict[K, V], list[X], unions."""
    alternatives = _alternatives(hint)
    if len(alternatives) > 1:
        return any(_fits(value, alternative) for alternative in alternatives)
    origin, arguments = typing.get_origin(hint) or hint, typing.get_args(hint)
    if hint is Any:
        return True
    if origin in (int, float) and isinstance(value, bool):
        return False
    if origin is float:
        return isinstance(value, int | float)
    if not isinstance(value, origin):
        return False
    if origin is dict and arguments:
        return all(_fits(key, arguments[0]) and _fits(item, arguments[1]) for key, item in value.items())
    if origin is list and arguments:
        return all(_fits(item, arguments[0]) for item in value)
    return True


def _type_problem(name: str, value: Any, hint: Any) -> str | None:
    """'<name> must be <type>' when `value` does not fit the field's type."""
    if _fits(value, hint):
        return None
    kinds = [typing.get_origin(kind) or kind for kind in _alternatives(hint)]
    return f"{name} must be " + " or ".join(
        _TYPE_NAMES.get(kind, getattr(kind, "__name__", str(kind))) for kind in kinds
    )


def _load(cls: type[T], path: Path, hint: str, check: Callable[[dict[str, Any]], list[str]] = lambda data: []) -> T:
    """The dataclass `cls` from the JSON object in `path`, every member checked: members without
    a default must be there, none may be unknown, each of its field's type; then `check`."""
    data = _read_json(path, hint)
    hints = typing.get_type_hints(cls)
    known = {field.name: field for field in fields(cls)}
    problems = [
        f"missing {name}"
        for name, field in known.items()
        if name not in data and field.default is MISSING and field.default_factory is MISSING
    ]
    typed = [_type_problem(name, data[name], hints[name]) for name in known if name in data]
    problems += [problem for problem in typed if problem]
    problems += [f"unknown key {key!r}" for key in sorted(set(data) - set(known))]
    if not problems:
        problems = check(data)
    if problems:
        raise StateError(f"Cannot use {path}: {'; '.join(problems)}.", hint=hint)
    return cls(**data)


def _ports(*names: str) -> Callable[[dict[str, Any]], list[str]]:
    def check(data: dict[str, Any]) -> list[str]:
        return [f"{name} must be between 1 and 65535" for name in names if not 1 <= data.get(name, 1) <= 65535]

    return check


def _check_local_settings(data: dict[str, Any]) -> list[str]:
    problems = _ports("web_port")(data)
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


def generate_region_secrets() -> RegionSecrets:
    return RegionSecrets(
        access_key="mwaa-local-" + secrets.token_hex(4),
        secret_key=_not_an_option(lambda: secrets.token_urlsafe(24)),
    )


@contextlib.contextmanager
def _locked(path: Path, timeout: float, busy: str) -> Iterator[None]:
    """Hold an exclusive flock on `path` (created if need be), waiting at most `timeout` seconds."""
    descriptor = _acquire(path, time.monotonic() + timeout, f"{busy} (waited {timeout:g}s for it to finish).")
    try:
        yield
    finally:
        os.close(descriptor)  # releases the lock


def _acquire(path: Path, deadline: float, busy: str) -> int:
    while True:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            while True:
                try:
                    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise StateError(
                            busy, hint="Let that command finish (or stop it), then run this one again."
                        ) from None
                    time.sleep(_LOCK_POLL)
        except BaseException:
            os.close(descriptor)
            raise
        if _is_current(descriptor, path):
            return descriptor
        # The file was deleted while this command waited for it: lock the one there now.
        os.close(descriptor)


def _is_current(descriptor: int, path: Path) -> bool:
    try:
        now = path.stat()
    except FileNotFoundError:
        return False
    held = os.fstat(descriptor)
    return (held.st_dev, held.st_ino) == (now.st_dev, now.st_ino)


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

    def settings(self) -> RegionSettings:
        path = self.settings_path
        if not path.exists():
            return RegionSettings()
        hint = (
            f"Restore {path} from a backup, or remove it: the next `mwaa-local up` then publishes the S3 service "
            "on port 9000 and its console on 9001 (or on MWAA_LOCAL_S3_PORT and MWAA_LOCAL_S3_CONSOLE_PORT)."
        )
        return _load(RegionSettings, path, hint, _ports("s3_port", "console_port"))

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
        return _load(RegionSecrets, path, hint, _check_not_empty)

    def create_secrets(self) -> RegionSecrets:
        """The S3 service's credentials for `up`: the saved ones, else new ones, saved."""
        if not self.secrets_path.exists():
            _create_private(self.secrets_path, json.dumps(asdict(generate_region_secrets()), indent=2))
        return self.secrets()

    def lock(self, timeout: float = LOCK_TIMEOUT) -> contextlib.AbstractContextManager[None]:
        """Held while a command changes the region; StateError after `timeout` seconds of waiting
        for another command holding it. Not re-entrant: take it once per process."""
        return _locked(
            self.home / "locks" / "region.lock",
            timeout,
            "Another mwaa-local command is changing the region (S3 service)",
        )


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

    def load_record_fields(self) -> dict[str, Any]:
        """The saved record's members as they are in the file (a JSON object, not validated)."""
        if not self.exists():
            raise StateError(
                f"There is no environment named {self.name} on this machine.",
                hint="Start one with `mwaa-local up` (see `mwaa-local status` for what exists).",
            )
        return _read_json(self.record_path, self._record_hint())

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
        return _load(EnvironmentSecrets, path, hint, _check_not_empty)

    def create_secrets(self) -> EnvironmentSecrets:
        """The secrets `up` starts the environment with: the saved ones, else new ones, saved.
        Of two commands creating them at once, both get the ones saved first."""
        if not self.secrets_path.exists():
            _create_private(self.secrets_path, json.dumps(asdict(generate_environment_secrets()), indent=2))
        return self.secrets()

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
        return _load(LocalSettings, path, hint, _check_local_settings)

    def save_local_settings(self, settings: LocalSettings) -> None:
        write_private(self.settings_path, json.dumps(asdict(settings), indent=2))

    def lock(self, timeout: float = LOCK_TIMEOUT) -> contextlib.AbstractContextManager[None]:
        """Held while a command changes this environment (`up`, `down`); StateError after `timeout`
        seconds of waiting for another command holding it. Not re-entrant: take it once per process.
        The lock file is not in the environment's folder, so deleting the folder under the lock is safe."""
        return _locked(
            self.home / "locks" / f"environment-{self.name}.lock",
            timeout,
            f"Another mwaa-local command is changing environment {self.name}",
        )


def known_environments(home: Path) -> list[str]:
    root = home / "environments"
    if not root.is_dir():
        return []
    return sorted(entry.name for entry in root.iterdir() if (entry / "environment.json").exists())
