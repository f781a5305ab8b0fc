"""The Airflow components of an environment and how each one is started, as MWAA starts them.

MWAA's containers run one of three commands (reference §14.1): `scheduler` (scheduler,
dag-processor and triggerer), `worker` and `webserver` (the API server on Airflow 3). mwaa-local
runs each Airflow process in a container of its own; `MWAA_AIRFLOW_COMPONENT` names the MWAA
command the process belongs to, so startup scripts see the value MWAA would give them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Component:
    name: str
    airflow_args: tuple[str, ...]
    mwaa_command: str


COMPONENTS = {
    component.name: component
    for component in (
        Component("scheduler", ("scheduler",), "scheduler"),
        Component("dag-processor", ("dag-processor",), "scheduler"),
        Component("triggerer", ("triggerer",), "scheduler"),
        Component("worker", ("celery", "worker"), "worker"),
        Component("webserver", ("webserver",), "webserver"),
        Component("api-server", ("api-server",), "webserver"),
    )
}


def mwaa_variables(mwaa_command: str, environ: dict[str, str]) -> dict[str, str]:
    """The variables MWAA's entrypoint sets for a component (reference §14.3)."""
    version = environ.get("AIRFLOW_VERSION", "")
    region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION", "")
    return {
        "MWAA_AIRFLOW_COMPONENT": mwaa_command,
        "MWAA_COMMAND": mwaa_command,
        "AWS_EXECUTION_ENV": "Amazon_MWAA_" + version.replace(".", ""),
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
    }


def start(component: Component) -> None:
    """Replace this process with the component's Airflow process."""
    environ = dict(os.environ)
    environ.update(mwaa_variables(component.mwaa_command, environ))
    arguments = ["airflow", *component.airflow_args]
    print(f"mwaa-local: starting {' '.join(arguments)} (MWAA component {component.mwaa_command})", flush=True)
    os.execvpe("airflow", arguments, environ)
