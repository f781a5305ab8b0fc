"""Is a compose project up? Which services are ready, still starting, or failed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from emulator.docker.compose import ServiceContainer

ONE_SHOT = frozenset({"init"})
NOT_CREATED = "not created yet"
# A service the engine restarted this often while it starts is crash-looping: a failure to
# report now, not a wait until the timeout.
CRASH_LOOP_RESTARTS = 3


@dataclass
class Readiness:
    ready: list[str] = field(default_factory=list)
    waiting: dict[str, str] = field(default_factory=dict)  # service → what it is doing
    failed: dict[str, str] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return not self.waiting and not self.failed


def describe(container: ServiceContainer) -> str:
    if container.state == "running":
        return container.health or "running"
    if container.state == "exited":
        return f"exited (code {container.exit_code})"
    return container.state or "not created"


def assess(containers: Iterable[ServiceContainer], expected: Iterable[str]) -> Readiness:
    by_service: dict[str, list[ServiceContainer]] = {}
    for container in containers:
        by_service.setdefault(container.service, []).append(container)
    result = Readiness()
    for service in expected:
        found = by_service.get(service, [])
        if not found:
            result.waiting[service] = NOT_CREATED
        elif service in ONE_SHOT:
            done = found[0]
            if done.state == "exited" and done.exit_code == 0:
                result.ready.append(service)
            elif done.state == "exited":
                result.failed[service] = describe(done)
            else:
                result.waiting[service] = "running"
        elif all(container.ready for container in found):
            result.ready.append(service)
        elif unstarted := [container for container in found if container.state == "created" and container.error]:
            result.failed[service] = f"could not start: {unstarted[0].error}"
        elif looping := [container for container in found if container.restarts >= CRASH_LOOP_RESTARTS]:
            result.failed[service] = f"keeps crashing (restarted {looping[0].restarts} times, {describe(looping[0])})"
        else:
            pending = next(container for container in found if not container.ready)
            result.waiting[service] = describe(pending)
    return result
