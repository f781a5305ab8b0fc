"""The Airflow components of an environment and how each one is started, as MWAA starts them.

MWAA's containers run one of three commands (reference §14.1): `scheduler` (scheduler,
dag-processor and triggerer), `worker` and `webserver` (the API server on Airflow 3). mwaa-local
runs each Airflow process in a container of its own. The variables MWAA's entrypoint sets
(`MWAA_AIRFLOW_COMPONENT`, `MWAA_COMMAND`, `AWS_EXECUTION_ENV`) come with the container's
environment, so `docker compose exec` and tasks see them too.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from emulator.runtime import configuration, shell_profile, startup_script


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


def start(component: Component) -> None:
    """Replace this process with the component's Airflow process."""
    environment = prepare()
    os.execvpe("airflow", command(component, environment), environment)
