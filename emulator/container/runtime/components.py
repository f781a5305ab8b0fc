"""The Airflow components of an environment and how each one is started, as MWAA starts them.

MWAA's containers run one of three commands (docs/reference.md §14.1): `scheduler` (scheduler,
dag-processor and triggerer), `worker` and `webserver` (the API server on Airflow 3). mwaa-local
runs a component per container, or several forked from one warm parent (emulator/container/runtime/group.py):
each scheduler container's scheduler and triggerer, mw1.micro's `hybrid`, and the environment's
web servers, all in one container that built Airflow's web application once. The variables MWAA's entrypoint sets
(`MWAA_AIRFLOW_COMPONENT`, `MWAA_COMMAND`, `AWS_EXECUTION_ENV`) come with the container's
environment, so `docker compose exec` and tasks see them too.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from emulator.container.runtime import configuration, shell_profile, startup_script
from emulator.model.container_contract import COMPONENTS_VARIABLE, WEB_SERVERS_VARIABLE

WEB_COMMANDS = ("webserver", "api-server")

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
    """What comes before Airflow starts, in MWAA's order (docs/reference.md §12.3): the startup script,
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


def start(component: Component) -> None:
    """Replace this process with the component's Airflow process."""
    environment = prepare()
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
    """A component listed more than once (the schedulers and triggerers of MWAA's scheduler
    tasks) is numbered from its second; that one and the next leave Airflow's log server to
    the first, which serves the logs of all (one container, one logs folder, one port)."""
    arguments: list[str] = []
    seen: dict[str, int] = {}
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        airflow_args = command(COMPONENTS[name], environment)[1:]
        if seen[name] > 1:
            airflow_args.append("--skip-serve-logs")
        label = name if seen[name] == 1 else f"{name}-{seen[name]}"
        arguments.append(f"{label}={' '.join(airflow_args)}")
    return ["python3", str(GROUP_SCRIPT), *arguments]


def start_group(command_name: str) -> None:
    """Replace this process with Airflow's python forking the container's components (MWAA's
    scheduler task, or mw1.micro's hybrid) from one warm parent (emulator/container/runtime/group.py)."""
    environment = prepare()
    names = group_names(command_name, environment)
    os.execvpe("python3", group_command(names, environment), environment)


def start_web_servers(command_name: str) -> None:
    """Replace this process with Airflow's python serving the environment's MinWebservers web
    servers (Airflow 3's API servers, Airflow 2's web servers) from one application built once
    (emulator/container/runtime/group.py)."""
    environment = prepare()
    count = environment.get(WEB_SERVERS_VARIABLE, "1")
    component = "Airflow API servers" if command_name == "api-server" else "Airflow web servers"
    print(f"mwaa-local: starting {count} {component} on port 8080 (MWAA component webserver)", flush=True)
    os.execvpe("python3", ["python3", str(GROUP_SCRIPT), f"web-servers={count}"], environment)
