"""MWAA environment classes (docs/reference.md §11): capacity and the scaling bounds of each class."""

from __future__ import annotations

from dataclasses import dataclass


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

    @property
    def worker_autoscale(self) -> str:
        """`celery.worker_autoscale` as MWAA sets it: `max,min`, both the class's task count."""
        return f"{self.tasks_per_worker},{self.tasks_per_worker}"


CLASSES: dict[str, EnvironmentClass] = {
    spec.name: spec
    for spec in (
        EnvironmentClass("mw1.micro", 3, 1, (1, 1), (1, 1), 1, 1, None),
        EnvironmentClass("mw1.small", 5, 2, (2, 5), (2, 5), 10, 25, 60),
        EnvironmentClass("mw1.medium", 10, 2, (2, 5), (2, 5), 10, 25, 125),
        EnvironmentClass("mw1.large", 20, 2, (2, 5), (2, 5), 10, 25, 250),
        EnvironmentClass("mw1.xlarge", 40, 2, (2, 5), (2, 5), 10, 25, 500),
        EnvironmentClass("mw1.2xlarge", 80, 2, (2, 5), (2, 5), 10, 25, 1000),
    )
}
DEFAULT_CLASS = "mw1.small"
