"""MWAA's scaling rule as a pure function of an environment's load and a clock.

required workers = ceil((running + queued tasks) / tasks per worker), within [MinWorkers,
MaxWorkers] (UG mwaa-autoscaling). More are added at once; fewer are kept only after the need
has stayed lower for the cooldown, so a pause between two waves of tasks removes nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

SCALE_OUT = "scale out"
SCALE_IN = "scale in"
HOLD = "hold"


@dataclass(frozen=True)
class Load:
    """What an environment asks of its workers now."""

    running: int  # task instances running (MWAA's RunningTasks)
    queued: int  # task instances queued for a worker (MWAA's QueuedTasks)
    broker_depth: int = 0  # messages waiting in the Celery queue, not yet taken by a worker
    oldest_queued_seconds: int = 0  # how long the longest-queued task instance has waited


@dataclass(frozen=True)
class Bounds:
    min_workers: int
    max_workers: int
    tasks_per_worker: int


@dataclass(frozen=True)
class Decision:
    action: str  # SCALE_OUT, SCALE_IN or HOLD
    current: int  # workers taking tasks now
    desired: int  # workers after this decision
    reason: str


def required_workers(load: Load, bounds: Bounds) -> int:
    needed = math.ceil((load.running + load.queued) / bounds.tasks_per_worker)
    return min(bounds.max_workers, max(bounds.min_workers, needed))


class Policy:
    """One environment's scaling decisions; remembers since when fewer workers would do."""

    def __init__(self, cooldown: float) -> None:
        self.cooldown = cooldown
        self._surplus_since: float | None = None

    def decide(self, now: float, current: int, load: Load, bounds: Bounds) -> Decision:
        required = required_workers(load, bounds)
        need = (
            f"{load.running} running + {load.queued} queued tasks at {bounds.tasks_per_worker} per worker "
            f"need {required} worker{'s' if required != 1 else ''} "
            f"(MinWorkers {bounds.min_workers}, MaxWorkers {bounds.max_workers})"
        )
        if required >= current:
            self._surplus_since = None
            if required > current:
                return Decision(SCALE_OUT, current, required, need)
            return Decision(HOLD, current, current, need)
        if self._surplus_since is None:
            self._surplus_since = now
        waited = now - self._surplus_since
        if waited >= self.cooldown:
            self._surplus_since = None
            return Decision(SCALE_IN, current, required, f"{need}, for {waited:.0f}s")
        return Decision(HOLD, current, current, f"{need}; scale in after {self.cooldown - waited:.0f}s more")


def choose_drained(hostnames: list[str], running_by_host: dict[str, int], count: int) -> list[str]:
    """The `count` workers (by hostname, listed oldest first) to drain: idle ones first, then
    those running the fewest tasks, the newest first among equals."""
    newest_first = list(reversed(hostnames))
    ranked = sorted(newest_first, key=lambda host: running_by_host.get(host, 0))
    return ranked[: max(0, count)]
