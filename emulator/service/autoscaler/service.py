"""The control plane's autoscaler loop: every few seconds, for each AVAILABLE environment, read
its load, decide with MWAA's rule (emulator.service.autoscaler.sizing) and add or drain workers.

A drained worker stops taking tasks at once and leaves when its running tasks are done (Celery's
warm shutdown), so scaling in never kills a task nor runs one twice. Environments being changed
(their state lock held by `up`, `down` or an update job) are skipped until the next round.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from emulator.docker.compose import ServiceContainer
from emulator.docker.environment import DRAINING_POLICY, EnvironmentStack
from emulator.model import status, topology
from emulator.model.airflow_config import celery_queue
from emulator.model.errors import StateError
from emulator.model.record import EnvironmentRecord
from emulator.model.timings import PROFILES
from emulator.service.autoscaler import journal, load
from emulator.service.autoscaler.sizing import HOLD, SCALE_IN, SCALE_OUT, Bounds, Decision, Load, Policy, choose_drained
from emulator.service.provider.store import Store
from emulator.state.home import EnvironmentState
from emulator.state.settings import AUTOSCALE_INTERVAL, Naming, Paths

log = logging.getLogger(__name__)
DEFAULT_INTERVAL = 5.0


def interval() -> float:
    return float(AUTOSCALE_INTERVAL.get() or DEFAULT_INTERVAL)


def replica_number(container: ServiceContainer) -> int:
    """compose's replica number (`…-worker-3` → 3): the order workers were added in."""
    tail = container.name.rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else 0


class WorkerStack(Protocol):
    """What scaling needs of an environment's stack (emulator.docker.environment.EnvironmentStack)."""

    def service_containers(self, service: str) -> list[ServiceContainer]: ...
    def add_workers(self, total: int) -> None: ...
    def drain_worker(self, worker: ServiceContainer) -> None: ...
    def remove_drained_workers(self, workers: list[ServiceContainer] | None = None) -> list[ServiceContainer]: ...


class Autoscaler:
    def __init__(
        self,
        store: Store,
        home: Path,
        paths: Paths,
        clock: Callable[[], float] = time.time,
        stack_for: Callable[[EnvironmentRecord, EnvironmentState], WorkerStack] | None = None,
        observe: Callable[[Callable[[str], list[ServiceContainer]], str], load.Observation] = load.observe,
        publish: Callable[[EnvironmentRecord, journal.Snapshot], None] | None = None,
    ) -> None:
        self.store = store
        self.home = home
        self.paths = paths
        self.naming = Naming.for_home(home)
        self.clock = clock
        self.stack_for = stack_for or self.environment_stack
        self.observe = observe
        self.publish = publish  # each reading, to the region's CloudWatch (AWS/MWAA)
        self.policies: dict[str, Policy] = {}

    def environment_stack(self, record: EnvironmentRecord, state: EnvironmentState) -> WorkerStack:
        return EnvironmentStack.for_record(self.paths, state, self.naming, record)

    def start(self, every: float, stop: threading.Event) -> threading.Thread:
        def loop() -> None:
            while not stop.wait(every):
                try:
                    self.run_once()
                except Exception:  # the store unreadable for a moment: the loop must go on
                    log.exception("An autoscaling round failed")

        thread = threading.Thread(target=loop, name="autoscaler", daemon=True)
        thread.start()
        return thread

    def run_once(self) -> None:
        names = self.store.names()
        for name in names:
            entry = self.store.load(name)
            # An environment in any other status is being changed.
            if entry is None or entry.lifecycle.status != status.AVAILABLE:
                self.policies.pop(name, None)
                continue
            try:
                if topology.is_hybrid(entry.record):
                    self.publish_fixed(entry.record)
                else:
                    self.scale(entry.record)
            except Exception:  # one environment's trouble must not stop the others' scaling
                log.exception("Autoscaling environment %s failed", name)
        for gone in set(self.policies) - set(names):
            del self.policies[gone]

    def publish_fixed(self, record: EnvironmentRecord) -> None:
        """mw1.micro never autoscales (and keeps no scaling journal), but MWAA still publishes
        its cluster and queue metrics: its one hybrid container is the base worker."""
        if self.publish is None:
            return
        stack = self.stack_for(record, EnvironmentState(self.home, record.name))
        try:
            observation = self.observe(stack.service_containers, celery_queue(record))
        except load.LoadUnavailable:
            return  # stopped, or still starting
        fixed = Decision(HOLD, 1, 1, "mw1.micro: one hybrid container, never scaled")
        bounds = Bounds(1, 1, topology.tasks_per_worker(record))
        self.publish(record, snapshot_of(self.clock(), observation.load, fixed, bounds, draining=0))

    def scale(self, record: EnvironmentRecord) -> journal.Snapshot | None:
        """One round for one environment; its reading, or None when it was skipped."""
        state = EnvironmentState(self.home, record.name)
        try:
            with state.lock(timeout=0):
                return self._scale(record, state)
        except StateError:
            return None  # `up`, `down` or an update holds the environment: next round

    def _scale(self, record: EnvironmentRecord, state: EnvironmentState) -> journal.Snapshot | None:
        now = self.clock()
        stack = self.stack_for(record, state)
        workers = stack.service_containers("worker")
        removed = stack.remove_drained_workers(workers)
        for worker in removed:
            self.note(state, now, f"removed drained worker {worker.name}")
        try:
            observation = self.observe(stack.service_containers, celery_queue(record))
        except load.LoadUnavailable:
            return None  # stopped, or still starting
        workers = sorted((w for w in workers if w not in removed), key=replica_number)
        active = [worker for worker in workers if worker.restart_policy != DRAINING_POLICY]
        draining = len(workers) - len(active)
        bounds = Bounds(record.min_workers, record.max_workers, topology.tasks_per_worker(record))
        cooldown = PROFILES[state.local_settings().timings].scale_in_cooldown
        policy = self.policies.setdefault(record.name, Policy(cooldown))
        policy.cooldown = cooldown
        decision = policy.decide(now, len(active), observation.load, bounds)
        if decision.action == SCALE_OUT:
            self.note(state, now, describe(decision))
            stack.add_workers(len(workers) + decision.desired - decision.current)
        elif decision.action == SCALE_IN:
            self.note(state, now, describe(decision))
            chosen = choose_drained(
                [w.hostname for w in active], observation.running_by_host, decision.current - decision.desired
            )
            for worker in (w for w in active if w.hostname in chosen):
                running = observation.running_by_host.get(worker.hostname, 0)
                self.note(state, now, f"draining worker {worker.name} (running {running} tasks)")
                stack.drain_worker(worker)
                draining += 1
        snapshot = snapshot_of(now, observation.load, decision, bounds, draining)
        journal.write(state.directory, snapshot)
        if self.publish is not None:
            self.publish(record, snapshot)
        return snapshot

    def note(self, state: EnvironmentState, now: float, line: str) -> None:
        log.info("environment %s: %s", state.name, line)
        journal.log(state.directory, now, line)


def snapshot_of(now: float, reading: Load, decision: Decision, bounds: Bounds, draining: int) -> journal.Snapshot:
    """A round's reading: the load, the workers and what was decided."""
    return journal.Snapshot(
        at=now,
        running=reading.running,
        queued=reading.queued,
        broker_depth=reading.broker_depth,
        workers=decision.current,
        draining=draining,
        desired=decision.desired,
        min_workers=bounds.min_workers,
        max_workers=bounds.max_workers,
        tasks_per_worker=bounds.tasks_per_worker,
        action=decision.action,
        reason=decision.reason,
        oldest_queued_seconds=reading.oldest_queued_seconds,
    )


def describe(decision: Decision) -> str:
    return f"{decision.action} {decision.current} → {decision.desired} workers: {decision.reason}"
