"""The startup script, sourced by a real bash: exports kept, reserved variables restored,
failures and timeouts stop the component."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from emulator.container.runtime import startup_script
from emulator.model.reserved import CUSTOM_CONFIGS_VARIABLE, ESSENTIAL_VARIABLE

BASE = {
    "PATH": "/usr/bin:/bin",
    "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
    "MWAA__CORE__AUTH_TYPE": "testing",
    "AIRFLOW__LOGGING__COLORED_CONSOLE_LOG": "False",
    "AIRFLOW__CORE__DEFAULT_TASK_RETRIES": "2",
    "AIRFLOW__SCHEDULER__MIN_FILE_PROCESS_INTERVAL": "30",
    "UNSET_ME": "x",
    ESSENTIAL_VARIABLE: "AIRFLOW__CORE__EXECUTOR,AIRFLOW__LOGGING__COLORED_CONSOLE_LOG",
    CUSTOM_CONFIGS_VARIABLE: json.dumps({"AIRFLOW__CORE__DEFAULT_TASK_RETRIES": "2"}),
}


def run(tmp_path: Path, text: str, time_limit: float = 30) -> tuple[startup_script.Outcome, list[str]]:
    script = tmp_path / "startup.sh"
    script.write_text(text)
    lines: list[str] = []
    return startup_script.source(script, dict(BASE), lines.append, time_limit), lines


def test_exports_reach_the_component_and_exit_0_keeps_them(tmp_path: Path) -> None:
    outcome, lines = run(
        tmp_path,
        'echo "hello $MWAA_LOCAL_X"\nexport MY_VAR=mine\nexport PATH="/opt/tool/bin:$PATH"\nunset UNSET_ME\n'
        "export AIRFLOW__SCHEDULER__MIN_FILE_PROCESS_INTERVAL=5\nexit 0\necho never\n",
    )
    assert outcome.environment["MY_VAR"] == "mine"
    assert outcome.environment["PATH"] == "/opt/tool/bin:/usr/bin:/bin"
    assert "UNSET_ME" not in outcome.environment
    assert outcome.environment["AIRFLOW__SCHEDULER__MIN_FILE_PROCESS_INTERVAL"] == "5", "an opinionated default"
    assert lines == ["hello "]
    assert startup_script.DUMP_VARIABLE not in outcome.environment
    assert outcome.restored == []


def test_reserved_essential_protected_and_user_options_are_restored(tmp_path: Path) -> None:
    outcome, _ = run(
        tmp_path,
        "export AIRFLOW__CORE__EXECUTOR=SequentialExecutor\nexport MWAA__CORE__AUTH_TYPE=none\n"
        "export AIRFLOW__LOGGING__COLORED_CONSOLE_LOG=True\nexport AIRFLOW__CORE__DEFAULT_TASK_RETRIES=9\n"
        "export PYTHONPATH=/mine\nexport KEPT=1\n",
    )
    assert outcome.restored == [
        "AIRFLOW__CORE__DEFAULT_TASK_RETRIES",
        "AIRFLOW__CORE__EXECUTOR",
        "AIRFLOW__LOGGING__COLORED_CONSOLE_LOG",
        "MWAA__CORE__AUTH_TYPE",
        "PYTHONPATH",
    ]
    for name in ("AIRFLOW__CORE__EXECUTOR", "MWAA__CORE__AUTH_TYPE", "AIRFLOW__LOGGING__COLORED_CONSOLE_LOG"):
        assert outcome.environment[name] == BASE[name]
    assert outcome.environment["AIRFLOW__CORE__DEFAULT_TASK_RETRIES"] == "2", "the user's option outranks exports"
    assert "PYTHONPATH" not in outcome.environment
    assert outcome.environment["KEPT"] == "1"


def test_a_failing_script_stops_the_component(tmp_path: Path) -> None:
    with pytest.raises(startup_script.StartupScriptError, match="exited with status 3"):
        run(tmp_path, "echo failing\nexit 3\n")
    with pytest.raises(startup_script.StartupScriptError, match="exited with status 1"):
        run(tmp_path, "false\n")


def test_a_script_over_its_time_limit_is_killed(tmp_path: Path) -> None:
    started = time.monotonic()
    with pytest.raises(startup_script.StartupScriptError, match="did not finish within 1 seconds"):
        run(tmp_path, "sleep 30 &\nsleep 30\n", time_limit=1)
    assert time.monotonic() - started < 10


def test_without_a_script_the_environment_is_unchanged(tmp_path: Path) -> None:
    assert startup_script.run(dict(BASE), tmp_path / "missing.sh") == BASE


def test_mwaa_locals_own_variables_are_restored(tmp_path: Path) -> None:
    """A startup script must not change what mwaa-local runs (the container's components) nor
    slip in the edge's material: mwaa-local's variables are held like MWAA's protected ones."""
    base = {**BASE, "MWAA_LOCAL_COMPONENTS": "scheduler,triggerer"}
    script = tmp_path / "startup.sh"
    script.write_text(
        "export MWAA_LOCAL_COMPONENTS=worker\nexport MWAA_LOCAL_EDGE_TOKEN_KEY=00\n"
        f"unset {ESSENTIAL_VARIABLE}\nexport KEPT=1\n"
    )
    outcome = startup_script.source(script, dict(base), lambda line: None, 30)
    assert outcome.environment["MWAA_LOCAL_COMPONENTS"] == "scheduler,triggerer"
    assert "MWAA_LOCAL_EDGE_TOKEN_KEY" not in outcome.environment
    assert outcome.environment[ESSENTIAL_VARIABLE] == BASE[ESSENTIAL_VARIABLE]
    assert {"MWAA_LOCAL_COMPONENTS", "MWAA_LOCAL_EDGE_TOKEN_KEY"} <= set(outcome.restored)
    assert outcome.environment["KEPT"] == "1"
