"""A container's own health check, run now rather than at the engine's next round.

Every check the engine runs is a process started in the container: some 30-40 ms of CPU in the
engine, the shim and runc whatever it runs. The engine's rounds are therefore 30 s apart, as
in Airflow's own compose file, so that an idle environment pays little for them. A container
that is starting would then wait up to 30 s to be seen healthy (Docker 20.10 has no faster
interval while starting), so whoever waits for one runs its check itself, every couple of
seconds until it passes. Until the engine's own next round agrees, its "starting" is read as
the check said: a container's check that passed here counts as healthy.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from emulator.docker import engine as docker_engine
from emulator.docker.compose import ComposeProject, ServiceContainer
from emulator.polling import poll

PROBE_SECONDS = 2.0  # between two runs of one starting container's check
PARALLEL_CHECKS = 4
STARTING = "starting"
HEALTHY = "healthy"


def check_command(test: Sequence[str]) -> list[str] | None:
    """The argv of a compose `healthcheck.test` as the engine keeps it; None when there is none."""
    if not test or test[0] == "NONE":
        return None
    if test[0] == "CMD-SHELL":
        return ["/bin/sh", "-c", " ".join(test[1:])]
    return list(test[1:]) if test[0] == "CMD" else list(test)


def passes(container: ServiceContainer) -> bool:
    """Run the container's health check in it now: did it exit 0?"""
    command = check_command(container.health_test)
    if command is None:
        return False
    return docker_engine.exec_exit_code(container.id, command) == 0  # None: it stopped, or is being replaced


class Prober:
    """Runs the checks of starting containers, each at most every `every` seconds, and keeps the
    ones that passed: a container proven healthy stays so until the engine says otherwise."""

    def __init__(self, every: float = PROBE_SECONDS) -> None:
        self.every = every
        self.proven: set[str] = set()
        self.last_run: dict[str, float] = {}

    def apply(self, containers: list[ServiceContainer]) -> list[ServiceContainer]:
        """The containers with a passed check's "healthy" in place of the engine's "starting"."""
        now = time.monotonic()
        due = [
            container
            for container in containers
            if container.state == "running"
            and container.health == STARTING
            and container.id not in self.proven
            and now - self.last_run.get(container.id, float("-inf")) >= self.every
        ]
        if due:
            with ThreadPoolExecutor(max_workers=min(PARALLEL_CHECKS, len(due))) as pool:
                outcomes = list(pool.map(passes, due))
            for container, passed in zip(due, outcomes, strict=True):
                self.last_run[container.id] = now
                if passed:
                    self.proven.add(container.id)
        return [
            dataclasses.replace(container, health=HEALTHY)
            if container.health == STARTING and container.id in self.proven
            else container
            for container in containers
        ]


def current(containers: list[ServiceContainer]) -> list[ServiceContainer]:
    """The containers with the health their checks give now (a starting one's check is run)."""
    return Prober(every=0).apply(containers)


def wait_ready(project: ComposeProject, service: str, timeout: float) -> bool:
    """Wait until every container of `service` is running and healthy (by its check run here)."""
    prober = Prober()

    def ready(_waited: float) -> bool | None:
        found = prober.apply(project.containers(service))
        return True if found and all(container.ready for container in found) else None

    return poll(ready, timeout, 0.5) is not None
