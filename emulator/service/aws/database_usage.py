"""The `AWS/MWAA` database metrics (docs/reference.md §22): MWAA's metadata database is an Aurora
PostgreSQL cluster, and MWAA publishes its `CPUUtilization`, `DatabaseConnections`,
`FreeableMemory` and `WriteIOPS` by instance role. Here the environment's one Postgres container is
the writer; there is no reader. Read only when a period's datapoints go in:
- connections: Postgres's client backends (what RDS counts as DatabaseConnections);
- WriteIOPS: WAL writes to disk per second since the previous reading (`pg_stat_wal`), the
  writes every commit makes;
- CPU: the container's CPU time as a share of the machine's CPUs (an RDS instance's CPU is its
  own machine's);
- FreeableMemory: the machine's available memory, what the database could still take.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emulator.docker.database import DATABASE_SERVICE
from emulator.service.aws.component_logs import SERVICE_LABEL
from emulator.service.aws.container_usage import Sample

ROLE = "WRITER"
QUERY = (
    "SELECT (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')"
    " || '|' || (SELECT wal_write FROM pg_stat_wal)"
)
PSQL = ["psql", "-U", "airflow", "-d", "airflow", "-At", "-c", QUERY]
Query = Callable[[str, list[str]], str | None]  # container id, command → its output, None on failure


@dataclass(frozen=True)
class DatabaseReading:
    connections: int
    cpu: float | None  # percent of the machine's CPUs; None before a second reading
    write_iops: float | None  # None before a second reading
    freeable_memory: int  # bytes


@dataclass(frozen=True)
class Counters:
    container: str
    at: float
    cpu_seconds: float
    wal_writes: int


def available_memory(meminfo: Path = Path("/proc/meminfo")) -> int:
    """The machine's MemAvailable in bytes (containers share the host's kernel figures)."""
    for line in meminfo.read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * 1024
    return 0


class DatabaseUsage:
    def __init__(
        self,
        sample: Sample,
        query: Query,
        free_memory: Callable[[], int] = available_memory,
        cpus: int = os.cpu_count() or 1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.sample = sample
        self.query = query
        self.free_memory = free_memory
        self.cpus = cpus
        self.clock = clock
        self.previous: dict[str, Counters] = {}  # environment → its database's last counters

    def read(self, environment: str, summaries: list[dict[str, Any]]) -> DatabaseReading | None:
        """The environment's database now, from its running containers (the engine's summaries);
        None when its database is not running or does not answer."""
        found = [s for s in summaries if (s.get("Labels") or {}).get(SERVICE_LABEL) == DATABASE_SERVICE]
        if not found:
            self.previous.pop(environment, None)
            return None
        container = str(found[0]["Id"])
        answer = self.query(container, PSQL)
        sampled = self.sample(container)
        if answer is None or sampled is None:
            return None
        connections, _, wal_writes = answer.strip().partition("|")
        now = Counters(container, self.clock(), sampled[0], int(wal_writes or 0))
        before = self.previous.get(environment)
        self.previous[environment] = now
        cpu = write_iops = None
        if before is not None and before.container == container and now.at > before.at:
            elapsed = now.at - before.at
            cpu = max(0.0, now.cpu_seconds - before.cpu_seconds) / elapsed / self.cpus * 100
            write_iops = max(0, now.wal_writes - before.wal_writes) / elapsed
        return DatabaseReading(int(connections), cpu, write_iops, self.free_memory())
