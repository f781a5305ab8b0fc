"""The airflow user's ~/.bashrc and ~/.bash_profile, read back by a real bash."""

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from emulator.container.runtime import shell_profile

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")

TRICKY = {
    "PLAIN": "value",
    "SPACES": "two  words ",
    "SINGLE": "it's",
    "DOUBLE": 'say "hi"',
    "DOLLAR": "a$b ${HOME} $(echo no) `echo no`",
    "BACKSLASH": "C:\\path\\n\\\\",
    "NEWLINES": "line one\nline two\n",
    "EMPTY": "",
    "GLOB": "*",
    "SEMICOLON": "x; echo injected",
    "UNICODE": "héllo ✓",
    "AIRFLOW__FOO__USER": "x$y'z",
}
SHELL_OWN = {"HOME": "/elsewhere", "PWD": "/elsewhere", "HOSTNAME": "elsewhere", "SHLVL": "9"}
# Print the shell's environment as JSON, with this test's Python.
DUMP = (sys.executable, "-c", "import json, os; print(json.dumps(dict(os.environ)))")


def shell_environment(home: Path, *bash_arguments: str) -> dict[str, str]:
    """The exported environment of a bash started with `bash_arguments` and an empty environment."""
    finished = subprocess.run(
        ["bash", *bash_arguments, *DUMP],
        env={"HOME": str(home), "PATH": os.defpath},
        cwd=home,
        capture_output=True,
        text=True,
        check=True,
    )
    assert finished.stderr == "", finished.stderr
    return json.loads(finished.stdout)


def sourced(home: Path, profile: str) -> dict[str, str]:
    return shell_environment(home, "-c", f'source "$HOME/{profile}" && exec "$@"', "bash")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    folder = tmp_path / "airflow"
    folder.mkdir()
    return folder


def test_writes_both_profiles_private(home: Path) -> None:
    shell_profile.write({"A": "1"}, home)
    for name in (".bashrc", ".bash_profile"):
        assert stat.S_IMODE((home / name).stat().st_mode) == 0o600, name
    assert (home / ".bashrc").read_text() == (home / ".bash_profile").read_text()


@pytest.mark.parametrize("profile", [".bashrc", ".bash_profile"])
def test_sourcing_exports_the_values_exactly(home: Path, profile: str) -> None:
    shell_profile.write(TRICKY, home)
    env = sourced(home, profile)
    assert {key: env.get(key) for key in TRICKY} == TRICKY


def test_a_login_shell_sees_the_values(home: Path) -> None:
    shell_profile.write(TRICKY, home)
    env = shell_environment(home, "--login", "-c", 'exec "$@"', "bash")
    assert {key: env.get(key) for key in TRICKY} == TRICKY


def test_skips_what_the_shell_sets_for_itself(home: Path) -> None:
    shell_profile.write({**SHELL_OWN, "KEPT": "yes"}, home)
    content = (home / ".bashrc").read_text()
    for key in SHELL_OWN:
        assert f"export {key}=" not in content, key
    env = sourced(home, ".bashrc")
    assert env["KEPT"] == "yes"
    assert env["HOME"] == str(home)
    assert env["PWD"] == str(home)
    assert env.get("HOSTNAME") != "elsewhere"
    assert env.get("SHLVL") != "9"


@pytest.mark.parametrize("name", ["A-B", "1ABC", "BASH_FUNC_f%%", "WITH SPACE", "A.B", ""])
def test_skips_names_that_are_not_identifiers(home: Path, name: str) -> None:
    shell_profile.write({name: "bad", "KEPT": "yes"}, home)
    content = (home / ".bashrc").read_text()
    assert content.count("export ") == 1, content
    assert sourced(home, ".bashrc")["KEPT"] == "yes"


def test_skips_names_bash_does_not_accept(home: Path) -> None:
    shell_profile.write({"ÉTÉ": "x", "KEPT": "yes"}, home)
    assert (home / ".bashrc").read_text().count("export ") == 1
    assert sourced(home, ".bashrc")["KEPT"] == "yes"


def test_rewrites_replace_the_previous_profile(home: Path) -> None:
    shell_profile.write({"OLD": "1", "SAME": "a"}, home)
    shell_profile.write({"SAME": "b"}, home)
    env = sourced(home, ".bash_profile")
    assert "OLD" not in env
    assert env["SAME"] == "b"


def test_an_existing_readable_profile_becomes_private(home: Path) -> None:
    for name in (".bashrc", ".bash_profile"):
        (home / name).write_text("# from the image\n")
        (home / name).chmod(0o644)
    shell_profile.write({"AIRFLOW__CORE__FERNET_KEY": "secret"}, home)
    for name in (".bashrc", ".bash_profile"):
        assert stat.S_IMODE((home / name).stat().st_mode) == 0o600, name


def test_home_defaults_to_the_home_variable(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(home))
    shell_profile.write({"FROM_HOME": "1"})
    assert sourced(home, ".bashrc")["FROM_HOME"] == "1"
