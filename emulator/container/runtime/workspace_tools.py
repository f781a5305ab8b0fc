"""The workspace checks MWAA users know from aws-mwaa-local-runner, run in a throwaway container
of the environment's Airflow image with the workspace mounted at `/workspace`:

- `test-requirements`: install requirements.txt as an update would (constraints, essential
  pins, plugins/ on `--find-links /usr/local/airflow/plugins`), touching no environment;
- `test-startup-script <component>`: source startup.sh as that component would, and show what
  it exports and which reserved variables MWAA would restore;
- `parse`: import the DAG files as the DAG processor would and report the errors
  (emulator/container/runtime/dag_parse.py);
- `package-requirements`: download requirements.txt's wheels into plugins/ for environments
  without internet access (`--find-links /usr/local/airflow/plugins --no-index`).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from emulator.container.runtime import configuration, requirements, startup_script
from emulator.model.container_contract import REQUIREMENTS_STREAM, STARTUP_SCRIPT_STREAM

WORKSPACE = Path("/workspace")


def emit(line: str) -> None:
    print(line, flush=True)


def _requirements_file(workspace: Path) -> Path:
    found = workspace / "requirements.txt"
    if not found.is_file():
        emit(f"ERROR: the workspace has no requirements.txt ({found})")
        sys.exit(2)
    return found


def test_requirements(workspace: Path = WORKSPACE) -> int:
    source = _requirements_file(workspace)
    if (workspace / "plugins").is_dir():  # what plugins.zip would hold, for --find-links
        shutil.copytree(workspace / "plugins", configuration.PLUGINS, dirs_exist_ok=True)
    shutil.copyfile(source, configuration.REQUIREMENTS)
    code = requirements.install(configuration.REQUIREMENTS, lambda line: emit(f"{REQUIREMENTS_STREAM}: {line}"))
    version = os.environ.get("AIRFLOW_VERSION", "?")
    if code == 0:
        emit(f"requirements.txt installs on Airflow {version} with its constraints and MWAA's essential pins.")
    else:
        emit(f"ERROR: requirements.txt does not install on Airflow {version} (exit {code}); see the lines above.")
    return code


def test_startup_script(component: str, workspace: Path = WORKSPACE) -> int:
    script = workspace / "startup.sh"
    if not script.is_file():
        emit(f"ERROR: the workspace has no startup.sh ({script})")
        return 2
    environ = {**os.environ, "MWAA_AIRFLOW_COMPONENT": component, "MWAA_COMMAND": component}
    try:
        outcome = startup_script.source(
            script, environ, lambda line: emit(f"{STARTUP_SCRIPT_STREAM}: {line}"), startup_script.TIME_LIMIT
        )
        startup_script.verify(outcome.environment)
    except startup_script.StartupScriptError as error:
        emit(f"ERROR: {error}: the component would not start, and the update would fail")
        return 1
    emit(f"The startup script finished in {outcome.seconds:.1f} s as component {component}.")
    for name in outcome.exported:
        value = outcome.environment.get(name)
        emit(f"  exported  {name}={value}" if value is not None else f"  unset     {name}")
    for name in outcome.restored:
        emit(f"  restored  {name} (reserved by MWAA: the script's value is ignored)")
    return 0


def package_requirements(workspace: Path = WORKSPACE) -> int:
    text = _requirements_file(workspace).read_text()
    target = workspace / "plugins"
    target.mkdir(exist_ok=True)
    prepared = Path("/tmp/requirements.txt")
    prepared.write_text(requirements.with_constraints(text, os.environ["AIRFLOW_CONSTRAINTS_FILE"], emit))
    essential = os.environ["MWAA_ESSENTIAL_CONSTRAINTS_FILE"]
    code = requirements.run_pip(["download", "-r", str(prepared), "--constraint", essential, "-d", str(target)], emit)
    if code == 0:
        emit(
            "The wheels are in plugins/. For an environment without internet access, start requirements.txt "
            "with `--find-links /usr/local/airflow/plugins` and `--no-index`, then deploy "
            "(plugins/ goes up as plugins.zip)."
        )
    return code


def main(arguments: list[str]) -> int:
    command, rest = arguments[0], arguments[1:]
    if command == "test-requirements":
        return test_requirements()
    if command == "test-startup-script":
        return test_startup_script(rest[0] if rest else "worker")
    if command == "parse":
        from emulator.container.runtime import dag_parse  # imports Airflow: only for this tool

        return dag_parse.parse()
    return package_requirements()
