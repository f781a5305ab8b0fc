"""How lifecycle work runs: in background threads (the service), or held until `run_pending`
(tests, which then see every status an operation passes through)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Protocol

log = logging.getLogger(__name__)
Job = Callable[[], None]


class Jobs(Protocol):
    def submit(self, name: str, job: Job) -> None: ...


class ThreadJobs:
    """One background thread per job; the job itself records how it ended."""

    def __init__(self) -> None:
        self._threads: dict[str, threading.Thread] = {}
        self._lock = threading.Lock()

    def submit(self, name: str, job: Job) -> None:
        def run() -> None:
            try:
                job()
            except Exception:  # a job records its own failures; this is the last resort
                log.exception("The job of environment %s failed", name)

        thread = threading.Thread(target=run, name=f"job-{name}", daemon=True)
        with self._lock:
            self._threads[name] = thread
        thread.start()

    def wait(self, timeout: float | None = None) -> None:
        with self._lock:
            threads = list(self._threads.values())
        for thread in threads:
            thread.join(timeout)


class HeldJobs:
    def __init__(self) -> None:
        self._pending: list[Job] = []

    def submit(self, name: str, job: Job) -> None:
        self._pending.append(job)

    def run_pending(self) -> None:
        while self._pending:
            self._pending.pop(0)()
