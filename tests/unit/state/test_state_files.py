"""Hand-edited, truncated or stale state files: a StateError naming the file and what to do."""

import json
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from emulator.model.errors import StateError
from emulator.model.record import build_record
from emulator.state.home import EnvironmentState, LocalSettings, RegionSettings, RegionState

SECRETS = {
    "fernet_key": "x" * 43 + "=",
    "webserver_secret": "w",
    "jwt_secret": "j",
    "postgres_password": "p",
    "admin_password": "a",
}


@pytest.fixture
def state(tmp_path: Path) -> EnvironmentState:
    return EnvironmentState(tmp_path, "team")


@pytest.fixture
def region(tmp_path: Path) -> RegionState:
    return RegionState(tmp_path)


def write(path: Path, content: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def state_error(read: Callable[[], Any]) -> StateError:
    with pytest.raises(StateError) as caught:
        read()
    return caught.value


# (content of the file, the message after the path)
BROKEN = [
    (
        '{"fernet_key": "abc", "webserver_se',
        "it is not valid JSON (Unterminated string starting at: line 1, column 23).",
    ),
    ("", "it is not valid JSON (Expecting value: line 1, column 1)."),
    ("[1, 2]", "it holds a JSON array instead of an object."),
    ('"text"', "it holds a JSON string instead of an object."),
    ("null", "it holds a JSON null instead of an object."),
]


@pytest.mark.parametrize(("content", "problem"), BROKEN)
def test_unreadable_environment_secrets(state: EnvironmentState, content: str, problem: str) -> None:
    path = write(state.directory / "secrets.json", content)
    error = state_error(state.secrets)
    assert error.message == f"Cannot read {path}: {problem}"
    assert error.hint.startswith(f"Restore {path} from a backup.")
    assert "mwaa-local down --volumes --name team" in error.hint
    assert state_error(state.create_secrets).message == error.message, "create_secrets never overwrites a bad file"
    assert path.read_text() == content


@pytest.mark.parametrize(
    ("content", "problems"),
    [
        ({k: v for k, v in SECRETS.items() if k != "fernet_key"}, "missing fernet_key"),
        (
            {"jwt_secret": "j"},
            "missing fernet_key; missing webserver_secret; missing postgres_password; missing admin_password",
        ),
        ({**SECRETS, "extra": 1, "another": 2}, "unknown key 'another'; unknown key 'extra'"),
        ({**SECRETS, "admin_password": 5}, "admin_password must be a string"),
        ({**SECRETS, "fernet_key": None}, "fernet_key must be a string"),
        ({**SECRETS, "postgres_password": ""}, "postgres_password must not be empty"),
        ({**SECRETS, "jwt_secret": ["j"], "x": 1}, "jwt_secret must be a string; unknown key 'x'"),
    ],
)
def test_environment_secrets_with_wrong_members(state: EnvironmentState, content: Any, problems: str) -> None:
    path = write(state.directory / "secrets.json", content)
    assert state_error(state.secrets).message == f"Cannot use {path}: {problems}."


def test_valid_environment_secrets_are_read(state: EnvironmentState) -> None:
    write(state.directory / "secrets.json", SECRETS)
    assert asdict(state.secrets()) == SECRETS
    assert asdict(state.create_secrets()) == SECRETS


@pytest.mark.parametrize(
    ("content", "problems"),
    [
        ({"web_port": "8080"}, "web_port must be an integer"),
        ({"web_port": True}, "web_port must be an integer"),
        ({"web_port": 8080.0}, "web_port must be an integer"),
        ({"web_port": 0}, "web_port must be between 1 and 65535"),
        ({"timings": 5}, "timings must be a string"),
        ({"timings": "fast"}, "timings must be one of dev, mwaa"),
        ({"sync_interval": "x"}, "sync_interval must be a number or null"),
        ({"sync_interval": 0}, "sync_interval must be greater than 0"),
        ({"port": 8080}, "unknown key 'port'"),
    ],
)
def test_local_settings_with_wrong_members(state: EnvironmentState, content: Any, problems: str) -> None:
    path = write(state.directory / "local.json", content)
    error = state_error(state.local_settings)
    assert error.message == f"Cannot use {path}: {problems}."
    assert error.hint == (
        f"Restore {path} from a backup, or remove it: the next `mwaa-local up --name team` then gives the "
        "environment a free web port from 8080 up and MWAA's timings."
    )


@pytest.mark.parametrize(("content", "problem"), BROKEN)
def test_unreadable_local_settings(state: EnvironmentState, content: str, problem: str) -> None:
    path = write(state.directory / "local.json", content)
    assert state_error(state.local_settings).message == f"Cannot read {path}: {problem}"


def test_local_settings_keep_defaults_for_members_an_older_version_did_not_write(state: EnvironmentState) -> None:
    write(state.directory / "local.json", {"web_port": 8081, "timings": "dev"})
    assert state.local_settings() == LocalSettings(web_port=8081, timings="dev", sync_interval=None)
    write(state.directory / "local.json", {"web_port": 8081, "timings": "mwaa", "sync_interval": 2})
    assert state.local_settings() == LocalSettings(8081, "mwaa", 2)


@pytest.mark.parametrize(
    ("content", "problems"),
    [
        ({"s3_port": "9000"}, "s3_port must be an integer"),
        ({"s3_port": 9000, "console_port": 70000}, "console_port must be between 1 and 65535"),
        ({"s3": 9000}, "unknown key 's3'"),
        ("[9000]", None),
        ("{", None),
    ],
)
def test_region_settings(region: RegionState, content: Any, problems: str | None) -> None:
    path = write(region.directory / "local.json", content)
    error = state_error(region.settings)
    assert str(path) in error.message
    if problems:
        assert error.message == f"Cannot use {path}: {problems}."
    assert error.hint.startswith(f"Restore {path} from a backup, or remove it: the next `mwaa-local up` then ")
    assert "MWAA_LOCAL_S3_PORT" in error.hint


@pytest.mark.parametrize(
    ("content", "problems"),
    [
        ({"access_key": "k"}, "missing secret_key"),
        ({"access_key": "k", "secret_key": 12345678}, "secret_key must be a string"),
        ({"access_key": "k", "secret_key": "s" * 8, "region": "x"}, "unknown key 'region'"),
        ('{"access_key": "k", ', None),
        ("[]", None),
    ],
)
def test_region_secrets(region: RegionState, content: Any, problems: str | None) -> None:
    path = write(region.directory / "secrets.json", content)
    for read in (region.secrets, region.create_secrets):
        error = state_error(read)
        assert str(path) in error.message
        if problems:
            assert error.message == f"Cannot use {path}: {problems}."
        assert error.hint.startswith(f"Restore {path} from a backup, or remove it: the next `mwaa-local up` ")


def test_region_settings_default_when_absent(region: RegionState) -> None:
    assert region.settings() == RegionSettings()
    region.save_settings(RegionSettings(9100, 9101))
    assert region.settings() == RegionSettings(9100, 9101)


def save_record(state: EnvironmentState) -> dict[str, Any]:
    record = build_record({"Name": "team", "AirflowVersion": "2.10.3"})
    state.save_record(record)
    return dict(record.fields)


@pytest.mark.parametrize(("content", "problem"), BROKEN)
def test_unreadable_records(state: EnvironmentState, content: str, problem: str) -> None:
    path = write(state.record_path, content)
    for read in (state.load_record, state.load_record_fields):
        error = state_error(read)
        assert error.message == f"Cannot read {path}: {problem}"
        assert error.hint == (
            f"Restore {path} from a backup, or remove it: the next `mwaa-local up --name team` then takes the "
            "settings from the workspace's environment.json or MWAA's defaults; the environment's data and "
            "secrets are kept."
        )


def test_a_saved_record_is_validated(state: EnvironmentState) -> None:
    fields = save_record(state)
    assert state.load_record().fields == fields
    assert state.load_record_fields() == fields

    write(state.record_path, {**fields, "AirflowVersion": "9.9.9"})
    error = state_error(state.load_record)
    assert error.message == (
        f"Cannot use {state.record_path}: 1 validation error detected: Airflow 9.9.9 is not a version Amazon "
        "MWAA runs. Supported versions: 2.9.2, 2.10.1, 2.10.3, 2.11.0, 2.11.2, 3.0.6, 3.2.1, 3.3.1."
    )
    assert error.hint.startswith(f"Restore {state.record_path} from a backup, or remove it")

    write(state.record_path, {**fields, "MaxWorkers": "2", "Colour": "blue"})
    message = state_error(state.load_record).message
    assert message.startswith(f"Cannot use {state.record_path}: 2 validation errors detected: ")
    assert "Unknown member 'Colour'" in message
    assert "Value '2' at 'maxWorkers' failed to satisfy constraint: Member must be an integer" in message

    write(state.record_path, {**fields, "Name": "other"})
    assert state_error(state.load_record).message == (
        f"Cannot use {state.record_path}: it describes environment 'other', but is kept for environment 'team'."
    )


def test_a_missing_record_says_there_is_no_such_environment(state: EnvironmentState) -> None:
    for read in (state.load_record, state.load_record_fields):
        error = state_error(read)
        assert error.message == "There is no environment named team on this machine."
