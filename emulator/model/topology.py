"""Which Airflow containers an environment runs, from its class and settings (docs/reference.md §11).

Every class but mw1.micro runs MWAA's split shape: `Schedulers` schedulers, each with a
triggerer (MWAA runs the triggerer in the scheduler's task), and a dag-processor on Airflow 3,
all in one scheduler container; and Celery workers between MinWorkers and MaxWorkers. mw1.micro
runs them all in one `hybrid` container.
"""

from __future__ import annotations

from emulator.model.record import EnvironmentRecord
from emulator.model.rules import WORKER_AUTOSCALE

HYBRID_CLASS = "mw1.micro"
TRIGGERER_ENABLED = "mwaa.triggerer_enabled"


def is_hybrid(record: EnvironmentRecord) -> bool:
    return record.environment_class.name == HYBRID_CLASS


def triggerer_enabled(record: EnvironmentRecord) -> bool:
    """`mwaa.triggerer_enabled` (default True) turns the triggerers off."""
    return str(record.configuration_options.get(TRIGGERER_ENABLED, "True")).strip().lower() != "false"


def scheduler_components(record: EnvironmentRecord) -> list[str]:
    """The Airflow processes of the scheduler container (emulator/container/runtime/group.py): MWAA's
    `Schedulers` scheduler tasks, each a scheduler and (unless turned off) a triggerer, and on
    Airflow 3 the dag-processor, all forked from one parent that imported Airflow once."""
    task = ["scheduler", *(["triggerer"] if triggerer_enabled(record) else [])]
    return [*task * record.schedulers, *(["dag-processor"] if record.airflow_version.family >= 3 else [])]


def hybrid_components(record: EnvironmentRecord) -> list[str]:
    """The Airflow processes of mw1.micro's one container (emulator/container/runtime/group.py)."""
    return [
        "scheduler",
        *(["dag-processor"] if record.airflow_version.family >= 3 else []),
        *(["triggerer"] if triggerer_enabled(record) else []),
        "worker",
    ]


def tasks_per_worker(record: EnvironmentRecord) -> int:
    """A worker's Celery concurrency: `celery.worker_autoscale` (`max,min`, both equal on MWAA)
    when the environment sets it, else its class's."""
    given = record.configuration_options.get(WORKER_AUTOSCALE)
    if given is not None:
        return int(str(given).split(",")[0])
    return record.environment_class.tasks_per_worker


def profiles(record: EnvironmentRecord) -> list[str]:
    """The compose profiles (compose/environment.yaml) of the environment's shape."""
    family = record.airflow_version.family
    return [f"airflow{family}", "hybrid" if is_hybrid(record) else "split"]
