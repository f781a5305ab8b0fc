"""Argument and input errors the CLI reports before it touches Docker."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from emulator.cli import main


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "dags").mkdir()
    return tmp_path


def run(workspace: Path, *arguments: str):
    return CliRunner().invoke(main, ["--workspace", str(workspace), *arguments])


def test_unknown_timings_are_refused(workspace: Path) -> None:
    result = run(workspace, "up", "--timings", "fast")
    assert result.exit_code == 2
    assert "Invalid value for '--timings': 'fast' is not one of 'dev', 'mwaa'" in result.output


def test_web_port_must_be_a_port(workspace: Path) -> None:
    result = run(workspace, "up", "--web-port", "70000")
    assert result.exit_code == 2
    assert "70000 is not in the range 1<=x<=65535" in result.output


def test_unsupported_airflow_version_is_refused_with_the_list(workspace: Path) -> None:
    result = run(workspace, "up", "--airflow-version", "1.10.12")
    assert result.exit_code == 2
    assert "Airflow 1.10.12 is not a version Amazon MWAA runs" in result.output
    assert "3.3.1" in result.output


def test_invalid_environment_json_is_refused_before_anything_starts(workspace: Path) -> None:
    (workspace / "environment.json").write_text(json.dumps({"EnvironmentClass": "mw1.tiny", "Name": "ok"}))
    result = run(workspace, "up")
    assert result.exit_code == 2
    assert "EnvironmentClass mw1.tiny is not valid" in result.output
    assert "What to do:" in result.output


def test_broken_environment_json_names_the_line(workspace: Path) -> None:
    (workspace / "environment.json").write_text('{\n  "Name": \n}')
    result = run(workspace, "up")
    assert result.exit_code == 2
    assert "is not valid JSON" in result.output and "line 3" in result.output


def test_unknown_command_and_option(workspace: Path) -> None:
    assert run(workspace, "launch").exit_code == 2
    result = run(workspace, "down", "--wipe")
    assert result.exit_code == 2
    assert "No such option '--wipe'" in result.output
