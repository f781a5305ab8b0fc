"""MWAA environment classes (docs/reference.md §11): capacity, container sizes and the scaling bounds
of each class."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Size:
    """One MWAA container task's allocation: what its CPUUtilization and MemoryUtilization are of."""

    vcpu: float
    memory_gib: float


@dataclass(frozen=True)
class EnvironmentClass:
    name: str
    tasks_per_worker: int
    default_schedulers: int
    schedulers_range: tuple[int, int]
    webservers_range: tuple[int, int]
    default_max_workers: int
    max_workers_limit: int
    triggerer_capacity: int | None
    web_server: Size
    worker: Size  # mw1.micro: its hybrid container's, worker and scheduler combined
    scheduler: Size

    @property
    def worker_autoscale(self) -> str:
        """`celery.worker_autoscale` as MWAA sets it: `max,min`, both the class's task count."""
        return f"{self.tasks_per_worker},{self.tasks_per_worker}"


CLASSES: dict[str, EnvironmentClass] = {
    spec.name: spec
    for spec in (
        EnvironmentClass("mw1.micro", 3, 1, (1, 1), (1, 1), 1, 1, None, Size(1, 3), Size(1, 3), Size(1, 3)),
        EnvironmentClass("mw1.small", 5, 2, (2, 5), (2, 5), 10, 25, 60, Size(1, 2), Size(1, 2), Size(1, 2)),
        EnvironmentClass("mw1.medium", 10, 2, (2, 5), (2, 5), 10, 25, 125, Size(1, 2), Size(2, 4), Size(2, 4)),
        EnvironmentClass("mw1.large", 20, 2, (2, 5), (2, 5), 10, 25, 250, Size(2, 4), Size(4, 8), Size(4, 8)),
        EnvironmentClass("mw1.xlarge", 40, 2, (2, 5), (2, 5), 10, 25, 500, Size(4, 12), Size(8, 24), Size(8, 24)),
        EnvironmentClass("mw1.2xlarge", 80, 2, (2, 5), (2, 5), 10, 25, 1000, Size(8, 24), Size(16, 48), Size(16, 48)),
    )
}
DEFAULT_CLASS = "mw1.small"
