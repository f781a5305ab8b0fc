"""What the autoscaler saw and did, kept in the environment's state folder: the latest reading
(`autoscaler.json`, which `mwaa-local status` shows) and every decision that changed something,
with its reason (`autoscaler.log`)."""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SNAPSHOT_FILE = "autoscaler.json"
LOG_FILE = "autoscaler.log"


@dataclass(frozen=True)
class Snapshot:
    at: float  # epoch seconds of the reading
    running: int
    queued: int
    broker_depth: int
    workers: int  # workers taking tasks
    draining: int  # workers finishing their tasks before they are removed
    desired: int
    min_workers: int
    max_workers: int
    tasks_per_worker: int
    action: str
    reason: str
    oldest_queued_seconds: int = 0

    def metrics(self) -> dict[str, int]:
        """MWAA's metric names for the load; the worker counts are mwaa-local's own."""
        return {
            "RunningTasks": self.running,
            "QueuedTasks": self.queued,
            "Workers": self.workers,
            "DrainingWorkers": self.draining,
            "DesiredWorkers": self.desired,
        }


def write(directory: Path, snapshot: Snapshot) -> None:
    """Replace the latest reading in one step: a reader never sees half of it."""
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=directory, prefix=".autoscaler-", delete=False) as file:
        json.dump(dataclasses.asdict(snapshot), file)
    os.replace(file.name, directory / SNAPSHOT_FILE)


def read(directory: Path) -> Snapshot | None:
    try:
        data: dict[str, Any] = json.loads((directory / SNAPSHOT_FILE).read_text())
        return Snapshot(**data)
    except (FileNotFoundError, ValueError, TypeError):
        return None


def log(directory: Path, at: float, line: str) -> None:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at))
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / LOG_FILE).open("a") as file:
        file.write(f"{stamp} {line}\n")


def decisions(directory: Path) -> list[str]:
    try:
        return (directory / LOG_FILE).read_text().splitlines()
    except FileNotFoundError:
        return []
