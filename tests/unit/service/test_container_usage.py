"""CPUUtilization and MemoryUtilization as MWAA reports them: a container's use over the time
between two readings, as a percentage of what its class allocates to the MWAA tasks it stands for."""

from __future__ import annotations

from typing import Any

from emulator.model.record import build_record
from emulator.service.aws.container_usage import GIB, ContainerUsage, Utilization

SMALL = build_record({"Name": "dev", "Schedulers": 2, "MinWebservers": 2})  # mw1.small: 1 vCPU, 2 GiB a task


def container(identifier: str, service: str, number: int = 1) -> dict[str, Any]:
    labels = {"com.docker.compose.service": service, "com.docker.compose.container-number": str(number)}
    return {"Id": identifier, "Labels": labels}


def test_each_cluster_is_measured_against_its_mwaa_allocation() -> None:
    samples = {"s": (10.0, GIB), "w1": (5.0, GIB // 2), "w2": (1.0, GIB), "w3": (1.0, GIB), "web": (0.0, GIB)}
    clock = [100.0]
    usage = ContainerUsage(lambda identifier: samples.get(identifier), clock=lambda: clock[0])
    running = [
        container("s", "scheduler"),
        container("w1", "worker", 1),
        container("w2", "worker", 2),
        container("w3", "worker", 3),
        container("web", "api-server"),
        container("db", "postgres"),
    ]
    first = usage.read(SMALL, running)
    assert first["Scheduler"] == Utilization(None, 25.0), "two schedulers: 4 GiB; no CPU from one reading"
    assert first["BaseWorker"] == Utilization(None, 25.0)
    assert first["AdditionalWorker"] == Utilization(None, 50.0)
    assert set(first) == {"Scheduler", "BaseWorker", "AdditionalWorker", "WebServer"}

    clock[0] += 10
    samples.update({"s": (15.0, GIB), "w1": (10.0, GIB // 2), "w2": (2.0, GIB), "w3": (4.0, GIB)})
    second = usage.read(SMALL, running)
    assert second["Scheduler"].cpu == 25.0, "5 CPU seconds in 10 s of two 1-vCPU tasks"
    assert second["BaseWorker"].cpu == 50.0
    assert second["AdditionalWorker"].cpu == 20.0, "the additional workers' average: 10 % and 30 %"
    assert second["WebServer"].cpu == 0.0


def test_a_replaced_container_starts_over_and_a_gone_one_is_forgotten() -> None:
    samples = {"w1": (50.0, GIB)}
    clock = [0.0]
    usage = ContainerUsage(lambda identifier: samples.get(identifier), clock=lambda: clock[0])
    usage.read(SMALL, [container("w1", "worker")])
    clock[0] += 5
    samples = {"w9": (1.0, GIB)}
    replaced = usage.read(SMALL, [container("w9", "worker")])
    assert replaced["BaseWorker"].cpu is None, "a new container's first reading has no CPU rate"
    assert set(usage.previous["dev"]) == {"w9"}


def test_the_micro_hybrid_is_the_scheduler_and_the_base_worker() -> None:
    micro = build_record({"Name": "tiny", "EnvironmentClass": "mw1.micro"})  # 1 vCPU, 3 GiB
    usage = ContainerUsage(lambda identifier: (0.0, 3 * GIB // 2))
    found = usage.read(micro, [container("h", "hybrid")])
    assert found == {"Scheduler": Utilization(None, 50.0), "BaseWorker": Utilization(None, 50.0)}


def test_reading_one_environment_keeps_the_others_readings() -> None:
    clock = [0.0]
    cpu = {"a": 0.0, "b": 0.0}
    usage = ContainerUsage(lambda identifier: (cpu[identifier], GIB), clock=lambda: clock[0])
    other = build_record({"Name": "other"})
    usage.read(SMALL, [container("a", "worker")])
    usage.read(other, [container("b", "worker")])
    clock[0] += 10
    cpu.update(a=5.0, b=2.0)
    assert usage.read(SMALL, [container("a", "worker")])["BaseWorker"].cpu == 50.0
    assert usage.read(other, [container("b", "worker")])["BaseWorker"].cpu == 20.0
