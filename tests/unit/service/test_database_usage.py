"""The `AWS/MWAA` database metrics: the environment's Postgres read as MWAA's Aurora writer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from emulator.service.aws.database_usage import PSQL, DatabaseReading, DatabaseUsage, available_memory

GIB = 1024**3


def container(identifier: str, service: str) -> dict[str, Any]:
    return {"Id": identifier, "Labels": {"com.docker.compose.service": service}}


def test_connections_now_and_cpu_and_writes_over_the_time_between_readings() -> None:
    answers = {"db": "7|1000\n"}
    samples = {"db": (20.0, GIB)}
    asked: list[tuple[str, list[str]]] = []

    def query(identifier: str, command: list[str]) -> str | None:
        asked.append((identifier, command))
        return answers.get(identifier)

    clock = [50.0]
    usage = DatabaseUsage(samples.get, query, free_memory=lambda: 3 * GIB, cpus=4, clock=lambda: clock[0])
    running = [container("web", "api-server"), container("db", "postgres")]
    assert usage.read("dev", running) == DatabaseReading(7, None, None, 3 * GIB), "rates need two readings"
    assert asked == [("db", PSQL)], "only the database container is asked"

    clock[0] += 10
    answers["db"], samples["db"] = "9|1250", (24.0, GIB)
    assert usage.read("dev", running) == DatabaseReading(9, 10.0, 25.0, 3 * GIB), (
        "4 CPU s of 4 CPUs in 10 s; 250 writes"
    )


def test_a_replaced_or_stopped_database_starts_its_rates_again() -> None:
    samples = {"db1": (10.0, GIB), "db2": (1.0, GIB)}
    clock = [0.0]
    usage = DatabaseUsage(samples.get, lambda identifier, command: "3|5", cpus=1, clock=lambda: clock[0])
    usage.read("dev", [container("db1", "postgres")])
    clock[0] += 5
    assert usage.read("dev", [container("db2", "postgres")]).cpu is None, "a new container's counters start at 0"
    assert usage.read("dev", []) is None, "no database running"
    clock[0] += 5
    assert usage.read("dev", [container("db2", "postgres")]).write_iops is None


def test_no_reading_when_the_database_does_not_answer() -> None:
    usage = DatabaseUsage(lambda identifier: (1.0, GIB), lambda identifier, command: None)
    assert usage.read("dev", [container("db", "postgres")]) is None


def test_freeable_memory_is_the_machines_available_memory(tmp_path: Path) -> None:
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       24000000 kB\nMemFree:         1000 kB\nMemAvailable:   2000000 kB\n")
    assert available_memory(meminfo) == 2_000_000 * 1024
