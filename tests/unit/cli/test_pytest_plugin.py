"""The pytest plugin is registered by the package's entry point and does nothing until turned
on: without `--mwaa-local` (or the ini switch) its fixtures do not exist and no environment is
looked for."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import cast

import pytest

from emulator.cli import lifecycle, pytest_plugin
from emulator.model.errors import StartTimeoutError
from emulator.model.record import EnvironmentRecord
from tests.support import REPO

NEEDS_THE_ENVIRONMENT = """
def test_it(mwaa_environment):
    pass
"""


def run_pytest(folder: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider", *arguments],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_plugin_is_inert_until_turned_on(tmp_path: Path) -> None:
    (tmp_path / "test_needs_it.py").write_text(NEEDS_THE_ENVIRONMENT)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    finished = run_pytest(tmp_path)
    assert finished.returncode == 1
    assert "fixture 'mwaa_environment' not found" in finished.stdout, finished.stdout


def test_the_entry_point_offers_the_options() -> None:
    finished = run_pytest(REPO, "--help")
    assert "--mwaa-local" in finished.stdout and "mwaa_local (bool)" in finished.stdout, finished.stdout


class Options:
    """What the plugin reads of pytest's config: the rootdir, the options and the ini."""

    def __init__(self, rootpath: Path) -> None:
        self.rootpath = rootpath

    def getoption(self, name: str) -> object:
        return None

    def getini(self, name: str) -> object:
        return ""


def test_a_failed_start_stops_what_it_started_and_shows_the_services_logs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MWAA_LOCAL_HOME", str(tmp_path / "home"))
    (tmp_path / "workspace" / "dags").mkdir(parents=True)
    stopped: list[str] = []

    def failing_up(context: lifecycle.Context, record: EnvironmentRecord, *_: object) -> None:
        context.state(record.name).save_record(record)  # as far as a real start gets
        raise StartTimeoutError("Environment local: not ready after 600s.", hint="`mwaa-local logs` shows why.")

    monkeypatch.setattr(pytest_plugin.lifecycle, "running_environments", lambda context: [])
    monkeypatch.setattr(pytest_plugin.lifecycle, "up", failing_up)
    monkeypatch.setattr(pytest_plugin.lifecycle, "down", lambda context, name, volumes, display: stopped.append(name))
    monkeypatch.setattr(pytest_plugin, "recent_logs", lambda context, name: "scheduler-1 | ImportError: boom")

    with pytest.raises(pytest.fail.Exception) as failed:
        pytest_plugin.start_or_reuse(cast(pytest.Config, Options(tmp_path / "workspace")))
    assert "not ready after 600s" in str(failed.value) and "ImportError: boom" in str(failed.value)
    assert stopped == ["local"]
