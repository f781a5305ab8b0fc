"""Argument and input errors the CLI reports before it touches Docker."""

import json
from pathlib import Path
from typing import NoReturn

import pytest
from click.testing import CliRunner, Result

from emulator.cli.commands import main

DOCKER_ENTRY_POINTS = (
    "emulator.docker.engine.client",
    "emulator.docker.engine.compose_version",
    "emulator.cli.lifecycle.require_docker",
    "emulator.cli.lifecycle.up",
    "emulator.cli.commands.require_docker",  # `logs` imports it by name
)


def reach_docker(*_: object, **__: object) -> NoReturn:
    raise AssertionError("unit tests must not reach Docker")


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A state home of the test's own, and Docker out of reach: a test that gets there fails."""
    state_home = tmp_path / "home"
    monkeypatch.setenv("MWAA_LOCAL_HOME", str(state_home))
    # Unexpected errors (the AssertionError above) propagate instead of becoming exit code 1.
    monkeypatch.setenv("MWAA_LOCAL_DEBUG", "1")
    for entry_point in DOCKER_ENTRY_POINTS:
        monkeypatch.setattr(entry_point, reach_docker)
    return state_home


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    folder = tmp_path / "workspace"
    (folder / "dags").mkdir(parents=True)
    return folder


def run(workspace: Path, *arguments: str) -> Result:
    return CliRunner().invoke(main, ["--workspace", str(workspace), *arguments])


def refused(result: Result, home: Path) -> str:
    """The output of a command refused with exit code 2, having reached nothing and written nothing."""
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 2, result.output
    assert not home.exists() or not any(home.rglob("*")), "nothing is written in the state home"
    return result.output


def test_the_guard_fails_a_test_that_would_reach_docker(workspace: Path, home: Path) -> None:
    result = run(workspace, "up")
    assert isinstance(result.exception, AssertionError)
    assert str(result.exception) == "unit tests must not reach Docker"


def test_unknown_timings_are_refused(workspace: Path, home: Path) -> None:
    output = refused(run(workspace, "up", "--timings", "fast"), home)
    assert "Invalid value for '--timings': 'fast' is not one of 'dev', 'mwaa'" in output


def test_web_port_must_be_a_port(workspace: Path, home: Path) -> None:
    output = refused(run(workspace, "up", "--web-port", "70000"), home)
    assert "70000 is not in the range 1<=x<=65535" in output


def test_unsupported_airflow_version_is_refused_with_the_list(workspace: Path, home: Path) -> None:
    output = refused(run(workspace, "up", "--airflow-version", "1.10.12"), home)
    assert "Airflow 1.10.12 is not a version Amazon MWAA runs" in output
    assert "3.3.1" in output


def test_invalid_environment_json_is_refused_before_anything_starts(workspace: Path, home: Path) -> None:
    (workspace / "environment.json").write_text(json.dumps({"EnvironmentClass": "mw1.tiny", "Name": "ok"}))
    output = refused(run(workspace, "up"), home)
    assert "EnvironmentClass mw1.tiny is not valid" in output
    assert "What to do:" in output


def test_broken_environment_json_names_the_line(workspace: Path, home: Path) -> None:
    (workspace / "environment.json").write_text('{\n  "Name": \n}')
    output = refused(run(workspace, "up"), home)
    assert "is not valid JSON" in output and "line 3" in output


def test_unknown_command_and_option(workspace: Path, home: Path) -> None:
    assert "No such command 'launch'" in refused(run(workspace, "launch"), home)
    assert "No such option '--wipe'" in refused(run(workspace, "down", "--wipe"), home)


@pytest.mark.parametrize(
    ("conf", "said"),
    [("{not json", "Invalid value for '--conf': not JSON"), ('["a"]', "Invalid value for '--conf': a JSON object")],
)
def test_test_refuses_a_conf_that_is_not_a_json_object(workspace: Path, conf: str, said: str) -> None:
    result = run(workspace, "test", "example_pipeline", "--conf", conf)
    assert result.exit_code == 2 and said in result.output, result.output


def test_apply_goes_with_watch(workspace: Path) -> None:
    result = run(workspace, "deploy", "--apply")
    assert result.exit_code == 2 and "--apply goes with --watch" in result.output, result.output
