"""An environment's log groups in the region's CloudWatch Logs: made before the environment starts,
as MWAA makes them with the environment (only the types it enables), and kept within each
group's retention, which moto stores but never applies."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from emulator.model.aws_services import BY_CLIENT
from emulator.model.log_groups import RETENTION_DAYS, enabled_groups
from emulator.model.record import EnvironmentRecord
from emulator.service.aws.backends import MotoBackends

DAY_MS = 24 * 3600 * 1000
EXPIRY_INTERVAL = 600.0  # seconds between two sweeps: retention is counted in days
log = logging.getLogger(__name__)


class EnvironmentLogGroups:
    def __init__(self, backends: MotoBackends, clock: Callable[[], float] = time.time) -> None:
        self.backends = backends
        self.clock = clock

    def prepare(self, record: EnvironmentRecord) -> list[str]:
        """Create the groups of the log types the record enables that do not exist yet (with the
        region's retention); the names created."""
        logs = self.backends.backend(BY_CLIENT["logs"])
        created = []
        with self.backends.lock:
            for name in enabled_groups(record):
                if name not in logs.groups:
                    logs.create_log_group(name, tags={})
                    logs.put_retention_policy(name, RETENTION_DAYS)
                    created.append(name)
        if created:
            self.backends.changed()
        return created

    def expire(self) -> int:
        """Drop the events older than their group's retention; how many were dropped. Only once
        CloudWatch Logs was ever used: a region no one logged to has nothing to expire."""
        service = BY_CLIENT["logs"]
        logs = self.backends.loaded(service)
        if logs is None:
            if not self.backends.path(service).exists():
                return 0
            logs = self.backends.backend(service)
        now_ms = int(self.clock() * 1000)
        dropped = 0
        with self.backends.lock:
            for group in logs.groups.values():
                if not group.retention_in_days:
                    continue
                oldest_kept = now_ms - int(group.retention_in_days) * DAY_MS
                for stream in group.streams.values():
                    kept = [event for event in stream.events if event.timestamp >= oldest_kept]
                    dropped += len(stream.events) - len(kept)
                    stream.events = kept
        if dropped:
            self.backends.changed()
        return dropped

    def run_expiry(self, stop: threading.Event) -> None:
        while not stop.wait(EXPIRY_INTERVAL):
            try:
                self.expire()
            except Exception:  # the next sweep tries again
                log.exception("expiring old log events failed")

    def start(self, stop: threading.Event) -> None:
        threading.Thread(target=self.run_expiry, args=(stop,), name="log-retention", daemon=True).start()
