"""MWAA's startup script (docs/reference.md §13): sourced by bash as the airflow user before the
component's Airflow process starts, within a time limit; what it exports reaches Airflow and
tasks, except the variables MWAA reserves, which are restored (and said so).

`exit` in the script is caught by an EXIT trap that dumps the exported environment, as MWAA's
runner does, so `exit 0` at the end of a script still passes its exports on.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from emulator.container.runtime.processes import Emit, run_streaming
from emulator.model import reserved
from emulator.model.container_contract import STARTUP_SCRIPT_STREAM

SCRIPT_PATH = Path("/usr/local/airflow/startup/startup.sh")
TIME_LIMIT = 295.0  # MWAA's 5 minutes minus its 5 s margin
# Values bash sets for itself: never an export of the script.
BASH_OWN = frozenset({"_", "SHLVL", "PWD", "OLDPWD", "BASH_EXECUTION_STRING"})
DUMP_VARIABLE = "MWAA_LOCAL_STARTUP_DUMP"
# Source the script; whatever way it ends (its last command, `exit N`), dump the environment.
RUNNER = f'trap \'status=$?; env -0 > "${DUMP_VARIABLE}"; exit $status\' EXIT\nsource "$1"\n'


class StartupScriptError(Exception):
    """The script failed, timed out, or broke the Python or Airflow install."""


@dataclass
class Outcome:
    environment: dict[str, str]
    restored: list[str] = field(default_factory=list)
    exported: list[str] = field(default_factory=list)
    seconds: float = 0.0


def stream_name() -> str:
    """MWAA names the stream after the prefix and the host (`startup_script_execution_ip-…`)."""
    return f"{STARTUP_SCRIPT_STREAM}_{socket.gethostname()}"


def _parse_dump(data: bytes) -> dict[str, str]:
    variables = {}
    for entry in data.decode(errors="replace").split("\0"):
        name, sep, value = entry.partition("=")
        if sep and name:
            variables[name] = value
    return variables


def merge(before: dict[str, str], after: dict[str, str]) -> tuple[dict[str, str], list[str], list[str]]:
    """The environment after the script: its changes, except to held variables (restored).
    Returns the environment, the restored names and the changed (kept) names."""
    held = reserved.held(before)
    result = dict(before)
    restored, changed = [], []
    for name in sorted((set(before) | set(after)) - BASH_OWN - {DUMP_VARIABLE}):
        if before.get(name) == after.get(name):
            continue
        if reserved.is_held(name, held):
            restored.append(name)
        elif name in after:
            result[name] = after[name]
            changed.append(name)
        else:
            result.pop(name, None)
            changed.append(name)
    return result, restored, changed


def source(script: Path, environ: dict[str, str], emit: Emit, time_limit: float = TIME_LIMIT) -> Outcome:
    """Source `script` with bash in `environ`; raises StartupScriptError when it fails or runs out of time."""
    started = time.monotonic()
    with tempfile.NamedTemporaryFile(prefix="startup-env-") as dump:
        code = run_streaming(
            ["bash", "-c", RUNNER, "bash", str(script)],
            {**environ, DUMP_VARIABLE: dump.name},
            emit,
            time_limit,
            cwd=environ.get("AIRFLOW_HOME") or None,
        )
        if code is None:
            raise StartupScriptError(f"the startup script did not finish within {time_limit:.0f} seconds")
        if code != 0:
            raise StartupScriptError(f"the startup script exited with status {code}")
        after = _parse_dump(Path(dump.name).read_bytes())
    environment, restored, changed = merge(environ, after)
    return Outcome(environment, restored, changed, time.monotonic() - started)


def verify(environment: dict[str, str]) -> None:
    """MWAA's verification: the script must not change the Python or the Airflow version."""
    probe = "import sys, importlib.metadata as m; print('%d.%d' % sys.version_info[:2], m.version('apache-airflow'))"
    found = subprocess.run(
        ["python3", "-c", probe], env=environment, capture_output=True, text=True, timeout=60, check=False
    )
    expected = f"{environment.get('PYTHON_VERSION')} {environment.get('AIRFLOW_VERSION')}"
    if found.returncode != 0 or found.stdout.strip() != expected:
        said = (found.stdout + found.stderr).strip()[-300:]
        raise StartupScriptError(f"verification failed: expected Python and Airflow {expected}, found {said!r}")


def run(environ: dict[str, str], script: Path = SCRIPT_PATH, time_limit: float = TIME_LIMIT) -> dict[str, str]:
    """The environment the component starts with: `environ` after the startup script, if any.
    Logs to stdout in the script's stream; exits the container when the script fails."""
    if not script.is_file():
        return environ
    prefix = stream_name()

    def emit(line: str) -> None:
        print(f"{prefix}: {line}", flush=True)

    emit(f"running {script} (MWAA_AIRFLOW_COMPONENT={environ.get('MWAA_AIRFLOW_COMPONENT', '?')})")
    try:
        outcome = source(script, environ, emit, time_limit)
        for name in outcome.restored:
            emit(f"{name} is reserved by MWAA: the startup script's value is ignored and MWAA's is restored")
        emit(f"Startup script execution time: {outcome.seconds:.1f} seconds")
        emit("Running verification")
        verify(outcome.environment)
        emit("Verification completed")
    except StartupScriptError as error:
        emit(f"ERROR: {error}; the component does not start")
        sys.exit(1)
    return outcome.environment
