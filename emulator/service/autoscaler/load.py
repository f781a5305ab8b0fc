"""An environment's load, read where MWAA reads it: task instances from the metadata database,
the Celery queue from the broker. Read inside their containers (`exec`), so the control plane
needs no route to an environment's private network."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from emulator.docker import engine as docker_engine
from emulator.docker.compose import ServiceContainer
from emulator.docker.database import DATABASE_SERVICE
from emulator.service.autoscaler.sizing import Load

BROKER_SERVICE = "redis"
# Running tasks by host, and queued ones: what MWAA's RunningTasks and QueuedTasks count; and
# how long the oldest queued one has waited (the queue's ApproximateAgeOfOldestMessage).
TASKS_QUERY = (
    "SELECT state, coalesce(hostname, ''), count(*) FROM task_instance "
    "WHERE state IN ('running', 'queued') GROUP BY 1, 2 "
    "UNION ALL SELECT 'oldest', '', coalesce(floor(extract(epoch FROM now() - min(queued_dttm))), 0)::bigint "
    "FROM task_instance WHERE state = 'queued'"
)
OLDEST = "oldest"


class LoadUnavailable(Exception):
    """The database or the broker did not answer (stopped, or starting)."""


@dataclass(frozen=True)
class Observation:
    load: Load
    running_by_host: dict[str, int] = field(default_factory=dict)


def run_in(container: ServiceContainer, *command: str) -> str:
    exit_code, output = docker_engine.client().containers.get(container.id).exec_run(list(command))
    text = output.decode(errors="replace") if isinstance(output, bytes) else str(output)
    if exit_code != 0:
        raise LoadUnavailable(
            f"`{' '.join(command[:2])}` in {container.name} exited {exit_code}: {text.strip()[-300:]}"
        )
    return text


def parse_tasks(text: str) -> tuple[int, int, dict[str, int], int]:
    """psql's `-At -F '|'` rows → running, queued, running by host, the oldest queued's age (s)."""
    running = queued = oldest = 0
    by_host: dict[str, int] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        state, host, count = line.split("|")
        if state == "running":
            running += int(count)
            by_host[host] = by_host.get(host, 0) + int(count)
        elif state == "queued":
            queued += int(count)
        elif state == OLDEST:
            oldest = max(0, int(count))
    return running, queued, by_host, oldest


def observe(containers_of: Callable[[str], list[ServiceContainer]], queue: str) -> Observation:
    """The load of the environment whose containers of a service `containers_of` gives, with the
    Celery queue `queue`. The broker is asked only when tasks are queued: an idle environment
    costs one query per round."""
    database = running(containers_of(DATABASE_SERVICE))
    tasks = run_in(database, "psql", "-U", "airflow", "-d", "airflow", "-At", "-F", "|", "-c", TASKS_QUERY)
    running_tasks, queued, by_host, oldest = parse_tasks(tasks)
    depth = 0
    if queued:
        answer = run_in(running(containers_of(BROKER_SERVICE)), "redis-cli", "LLEN", queue).strip()
        depth = int(answer) if answer.isdigit() else 0
    return Observation(Load(running_tasks, queued, depth, oldest), by_host)


def running(containers: list[ServiceContainer]) -> ServiceContainer:
    found = [container for container in containers if container.state == "running"]
    if not found:
        raise LoadUnavailable("the database or the broker is not running")
    return found[0]
