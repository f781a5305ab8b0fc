"""CPUUtilization and MemoryUtilization of `AWS/MWAA` (docs/reference.md §11, §22): each Airflow
container's CPU time and memory, as a percentage of what its MWAA container tasks would be
allocated by the environment's class. The scheduler container holds `Schedulers` scheduler tasks
and the web container `MinWebservers` web servers, so their allocation is that many times one
task's. Clusters as MWAA names them: `Scheduler`, `BaseWorker` (the first worker),
`AdditionalWorker` (the others, averaged) and `WebServer`; mw1.micro's hybrid container is both
the scheduler and the base worker.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from emulator.model.classes import CLASSES, Size
from emulator.model.record import EnvironmentRecord
from emulator.service.aws.component_logs import SERVICE_LABEL

GIB = 1024**3
NUMBER_LABEL = "com.docker.compose.container-number"
Sample = Callable[[str], tuple[float, int] | None]  # container id → (CPU seconds so far, memory bytes)


@dataclass(frozen=True)
class Utilization:
    cpu: float | None  # percent; None before a second reading of the container
    memory: float  # percent


def clusters_of(service: str, number: int) -> tuple[str, ...]:
    if service == "hybrid":
        return ("Scheduler", "BaseWorker")
    if service == "scheduler":
        return ("Scheduler",)
    if service == "worker":
        return ("BaseWorker",) if number <= 1 else ("AdditionalWorker",)
    if service in ("webserver", "api-server"):
        return ("WebServer",)
    return ()


def allocation(record: EnvironmentRecord, service: str) -> Size:
    """What MWAA would allocate to what this container runs."""
    spec = CLASSES[str(record.fields["EnvironmentClass"])]
    if service == "scheduler":
        return Size(spec.scheduler.vcpu * record.schedulers, spec.scheduler.memory_gib * record.schedulers)
    if service in ("webserver", "api-server"):
        count = record.min_webservers
        return Size(spec.web_server.vcpu * count, spec.web_server.memory_gib * count)
    return spec.worker


class ContainerUsage:
    def __init__(self, sample: Sample, clock: Callable[[], float] = time.monotonic) -> None:
        self.sample = sample
        self.clock = clock
        # Each environment's containers' last reading: container id → (when, CPU seconds).
        self.previous: dict[str, dict[str, tuple[float, float]]] = {}

    def read(self, record: EnvironmentRecord, summaries: list[dict[str, Any]]) -> dict[str, Utilization]:
        """Each cluster's utilization from the environment's running containers (the engine's
        summaries); a cluster of several containers gets their average."""
        readings: dict[str, list[Utilization]] = {}
        previous = self.previous.get(record.name, {})
        current: dict[str, tuple[float, float]] = {}
        for summary in summaries:
            labels = summary.get("Labels") or {}
            service = labels.get(SERVICE_LABEL, "")
            number = int(labels.get(NUMBER_LABEL, "1") or 1)
            clusters = clusters_of(service, number)
            if not clusters:
                continue
            container = str(summary["Id"])
            sampled = self.sample(container)
            if sampled is None:
                continue
            current[container] = (self.clock(), sampled[0])
            utilization = measured(current[container], previous.get(container), sampled[1], allocation(record, service))
            for cluster in clusters:
                readings.setdefault(cluster, []).append(utilization)
        # Containers that are gone leave no reading behind (a replaced worker gets a new id).
        self.previous[record.name] = current
        return {cluster: average(found) for cluster, found in readings.items()}


def measured(now: tuple[float, float], before: tuple[float, float] | None, memory: int, size: Size) -> Utilization:
    """CPU over the time since the container's previous reading (none without one), memory now."""
    cpu = None
    if before is not None and now[0] > before[0]:
        cpu = max(0.0, now[1] - before[1]) / (now[0] - before[0]) / size.vcpu * 100
    return Utilization(cpu, memory / (size.memory_gib * GIB) * 100)


def average(found: list[Utilization]) -> Utilization:
    cpus = [reading.cpu for reading in found if reading.cpu is not None]
    return Utilization(sum(cpus) / len(cpus) if cpus else None, sum(reading.memory for reading in found) / len(found))
