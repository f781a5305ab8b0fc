"""An unsupported Airflow version is a user error (exit 2, with a hint), not a crash."""

import pytest

from emulator.cli.commands import reports_errors
from emulator.model import versions
from emulator.model.errors import EnvironmentConfigError, MwaaLocalError
from emulator.model.record import build_record


def test_an_unsupported_version_is_an_environment_config_error() -> None:
    with pytest.raises(EnvironmentConfigError) as caught:
        versions.get("9.9.9")
    error = caught.value
    assert isinstance(error, MwaaLocalError) and isinstance(error, versions.UnsupportedVersionError)
    assert error.exit_code == 2
    assert error.message == (
        "Airflow 9.9.9 is not a version Amazon MWAA runs. "
        "Supported versions: 2.9.2, 2.10.1, 2.10.3, 2.11.0, 2.11.2, 3.0.6, 3.2.1, 3.3.1."
    )
    assert error.hint == (
        "Set AirflowVersion in environment.json (or pass --airflow-version) to one of the supported versions; "
        "leave it out for MWAA's newest, 3.3.1."
    )


def test_rules_still_report_an_unsupported_version_as_a_validation_error() -> None:
    with pytest.raises(EnvironmentConfigError) as caught:
        build_record({"AirflowVersion": "9.9.9"})
    assert caught.value.message == (
        "1 validation error detected: Airflow 9.9.9 is not a version Amazon MWAA runs. "
        "Supported versions: 2.9.2, 2.10.1, 2.10.3, 2.11.0, 2.11.2, 3.0.6, 3.2.1, 3.3.1."
    )


def test_the_cli_reports_an_unsupported_version_without_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    @reports_errors
    def command() -> None:
        versions.get("9.9.9")

    with pytest.raises(SystemExit) as exited:
        command()
    assert exited.value.code == 2
    output = " ".join(capsys.readouterr().err.split())
    assert "Error: Airflow 9.9.9 is not a version Amazon MWAA runs." in output
    assert "What to do: Set AirflowVersion in environment.json" in output
    assert "This is a bug" not in output
