"""Watching a start: crash loops are counted from this start on, per container id."""

from __future__ import annotations

from typing import Any

import pytest

from emulator.docker import startup
from emulator.docker.compose import ServiceContainer
from emulator.docker.readiness import Readiness

pytestmark = pytest.mark.unit


class Finished:
    returncode = 0

    def poll(self) -> int:
        return 0


class Project:
    """A project whose old worker (restarted often before) is being replaced by compose."""

    def __init__(self, during: list[list[ServiceContainer]]) -> None:
        self.during = during
        self.calls = 0

    def containers(self) -> list[ServiceContainer]:
        found = self.during[min(self.calls, len(self.during) - 1)]
        self.calls += 1
        return found

    def popen(self, *arguments: str, output: Any = None) -> Finished:
        return Finished()


def test_a_replaced_container_s_old_restarts_are_not_a_crash_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(startup, "POLL_SECONDS", 0)
    old = ServiceContainer("worker", "p-worker-1", "running", "unhealthy", 0, restarts=7, id="old")
    renamed = ServiceContainer("worker", "old_p-worker-1", "running", "unhealthy", 0, restarts=7, id="old")
    new = ServiceContainer("worker", "p-worker-1", "running", "healthy", 0, id="new")
    project = Project([[old], [renamed], [new]])
    seen: list[Readiness] = []
    startup.start(project, ["worker"], "environment team", 60, lambda readiness, _: seen.append(readiness))  # type: ignore[arg-type]
    assert not any(readiness.failed for readiness in seen)
    assert seen[-1].complete


def test_restarts_during_this_start_are_a_crash_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(startup, "POLL_SECONDS", 0)
    before = ServiceContainer("worker", "p-worker-1", "running", "starting", 0, restarts=1, id="same")
    looping = ServiceContainer("worker", "p-worker-1", "restarting", "", 1, restarts=4, id="same")
    project = Project([[before], [looping]])
    monkeypatch.setattr(startup, "failure", lambda project, readiness, output: RuntimeError(str(readiness.failed)))
    with pytest.raises(RuntimeError, match="keeps crashing"):
        startup.start(project, ["worker"], "environment team", 60, lambda readiness, _: None)  # type: ignore[arg-type]
