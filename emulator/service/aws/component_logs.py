"""The Airflow components' own output into their log groups (model/component_logs.py routes
each line): the control plane follows each running Airflow container's output through the
engine, from the moment it sees the container, and puts the lines its environment's
LoggingConfiguration wants into the region's CloudWatch Logs, about once a second.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from emulator.docker import engine
from emulator.model.aws_services import BY_CLIENT
from emulator.model.component_logs import LEVELS, followed, route, shipped
from emulator.model.record import EnvironmentRecord
from emulator.service.aws.backends import MotoBackends
from emulator.state.settings import Naming

ROUND = 5.0  # seconds between two looks for new containers and changed records
FLUSH = 1.0
PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"
log = logging.getLogger(__name__)
Event = tuple[str, str, int, str]  # group, stream, timestamp (ms), message
Records = Callable[[], dict[str, EnvironmentRecord]]  # every environment's record, by name


def host_of(summary: dict[str, Any]) -> str:
    """The container's address on its first network (MWAA names streams after the host)."""
    networks = (summary.get("NetworkSettings") or {}).get("Networks") or {}
    for network in networks.values():
        if network.get("IPAddress"):
            return str(network["IPAddress"])
    return str(summary.get("Id", ""))[:12]


class ComponentLogShipper:
    def __init__(
        self, backends: MotoBackends, records: Records, naming: Naming, clock: Callable[[], float] = time.time
    ):
        self.backends = backends
        self.read_records = records
        self.naming = naming
        self.clock = clock
        self.records: dict[str, EnvironmentRecord] = {}
        self.followed: set[str] = set()
        self.pending: list[Event] = []
        self.lock = threading.Lock()

    def look(self) -> None:
        """Refresh the records and follow every Airflow container whose lines some enabled log
        type wants and that is not followed yet (an update that enables one restarts them)."""
        self.records = self.read_records()
        for name, record in self.records.items():
            label = f"{PROJECT_LABEL}={self.naming.environment_project(name)}"
            for summary in engine.running_containers(label):
                service = (summary.get("Labels") or {}).get(SERVICE_LABEL, "")
                if followed(record, service) and summary["Id"] not in self.followed:
                    self.followed.add(summary["Id"])
                    threading.Thread(
                        target=self.follow, args=(name, service, summary), name=f"logs-{service}", daemon=True
                    ).start()

    def follow(self, environment: str, service: str, summary: dict[str, Any]) -> None:
        host, level = host_of(summary), LEVELS["INFO"]
        try:
            for at, text in engine.follow_logs(summary["Id"], since=int(self.clock())):
                routed = route(service, host, text, level)
                if routed is None:
                    return
                level = routed.level
                record = self.records.get(environment)
                group = shipped(record, routed) if record is not None else None
                if group is not None and routed.message.strip():
                    with self.lock:
                        self.pending.append((group, routed.stream, int(at * 1000), routed.message))
        except Exception:  # the engine went away: the next look follows the container again
            log.exception("following %s's output failed", summary.get("Id", "")[:12])
        finally:
            self.followed.discard(summary["Id"])

    def flush(self) -> int:
        """Put the pending lines, stream by stream, into groups that exist; how many."""
        with self.lock:
            pending, self.pending = self.pending, []
        if not pending:
            return 0
        logs = self.backends.backend(BY_CLIENT["logs"])
        by_stream: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for group, stream, at, message in pending:
            by_stream.setdefault((group, stream), []).append({"timestamp": at, "message": message})
        put = 0
        with self.backends.lock:
            for (group, stream), events in by_stream.items():
                found = logs.groups.get(group)
                if found is None:  # made when the environment starts with the type enabled
                    continue
                if stream not in found.streams:
                    logs.create_log_stream(group, stream)
                logs.put_log_events(group, stream, events)
                put += len(events)
        if put:
            self.backends.changed()
        return put

    def run(self, stop: threading.Event) -> None:
        next_look = 0.0
        while not stop.wait(FLUSH):
            try:
                if self.clock() >= next_look:
                    next_look = self.clock() + ROUND
                    self.look()
                self.flush()
            except Exception:  # one bad round must not stop the shipping
                log.exception("shipping component logs failed")

    def start(self, stop: threading.Event) -> None:
        threading.Thread(target=self.run, args=(stop,), name="component-logs", daemon=True).start()
