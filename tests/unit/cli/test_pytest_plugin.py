"""The pytest plugin is registered by the package's entry point and does nothing until turned
on: without `--mwaa-local` (or the ini switch) its fixtures do not exist and no environment is
looked for."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
