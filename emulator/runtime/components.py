"""The Airflow components of an environment and how each one is started, as MWAA starts them.

MWAA's containers run one of three commands (reference §14.1): `scheduler` (scheduler,
dag-processor and triggerer), `worker` and `webserver` (the API server on Airflow 3). mwaa-local
runs each Airflow process in a container of its own. The variables MWAA's entrypoint sets
(`MWAA_AIRFLOW_COMPONENT`, `MWAA_COMMAND`, `AWS_EXECUTION_ENV`) come with the container's
environment, so `docker compose exec` and tasks see them too.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from emulator.runtime import configuration, shell_profile, startup_script
from emulator.runtime.health import COMPONENTS_VARIABLE

# Run by Airflow's python: the container's components forked from one warm parent.
GROUP_SCRIPT = Path(__file__).with_name("group.py")
# What each multi-process container command runs when the environment does not list its components.
DEFAULT_GROUPS = {"scheduler": "scheduler", "hybrid": "scheduler,triggerer,worker"}


@dataclass(frozen=True)
class Component:
    name: str
    airflow_args: tuple[str, ...]


COMPONENTS = {
    component.name: component
    for component in (
        Component("scheduler", ("scheduler",)),
        Component("dag-processor", ("dag-processor",)),
        Component("triggerer", ("triggerer",)),
        Component("worker", ("celery", "worker")),
        Component("webserver", ("webserver",)),
        Component("api-server", ("api-server",)),
    )
}


def prepare() -> dict[str, str]:
    """What comes before Airflow starts, in MWAA's order (reference §12.3): the startup script,
    then requirements (installed once, when the environment's image was built: the notice says
    which). Returns the environment Airflow runs with."""
    environment = startup_script.run(dict(os.environ))
    configuration.announce()
    try:
        shell_profile.write(environment)
    except OSError as error:  # a shell convenience: never a reason not to start Airflow
        print(f"mwaa-local: could not write the shell profile: {error}", flush=True)
    return environment


def command(component: Component, environment: dict[str, str]) -> list[str]:
    arguments = ["airflow", *component.airflow_args]
    mwaa_command = environment.get("MWAA_AIRFLOW_COMPONENT", "?")
    print(f"mwaa-local: starting {' '.join(arguments)} (MWAA component {mwaa_command})", flush=True)
    return arguments


PROBE = Path(__file__).with_name("probe.sh")
# Airflow 3's task execution API builds itself at its first call (seconds of CPU). Its health
# does not wait for it (the start stays short); this asks once the server listens, so a task
# after `up` finds it built, off the start's critical path.
WARM_EXECUTION_API = (
    "for _ in $(seq 1200); do bash {probe} http {port} /execution/health >/dev/null && exit 0; sleep 0.5; done"
)
API_SERVER_PORT = 8080


def warm_execution_api_later(port: int = API_SERVER_PORT) -> subprocess.Popen[bytes]:
    """A detached shell that outlives this process's exec and asks the execution API once."""
    return subprocess.Popen(
        ["bash", "-c", WARM_EXECUTION_API.format(probe=PROBE, port=port)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def start(component: Component) -> None:
    """Replace this process with the component's Airflow process."""
    environment = prepare()
    if component.name == "api-server":
        warm_execution_api_later()
    os.execvpe("airflow", command(component, environment), environment)


def group_names(command: str, environment: dict[str, str]) -> list[str]:
    listed = environment.get(COMPONENTS_VARIABLE) or DEFAULT_GROUPS[command]
    names = [name.strip() for name in listed.split(",") if name.strip()]
    unknown = [name for name in names if name not in COMPONENTS]
    if unknown or not names:
        named = ", ".join(unknown) or "(none)"
        raise SystemExit(f"mwaa-local: {COMPONENTS_VARIABLE} names unknown components: {named}")
    return names


def group_command(names: list[str], environment: dict[str, str]) -> list[str]:
    arguments = [f"{name}={' '.join(command(COMPONENTS[name], environment)[1:])}" for name in names]
    return ["python3", str(GROUP_SCRIPT), *arguments]


def start_group(command_name: str) -> None:
    """Replace this process with Airflow's python forking the container's components (MWAA's
    scheduler task, or mw1.micro's hybrid) from one warm parent (emulator/runtime/group.py)."""
    environment = prepare()
    names = group_names(command_name, environment)
    os.execvpe("python3", group_command(names, environment), environment)
