"""Running a starting container's own health check between the engine's 30 s rounds."""

from __future__ import annotations

import pytest

from emulator.docker import health_checks
from emulator.docker.compose import ServiceContainer
from emulator.docker.health_checks import Prober, check_command

CHECK = ("CMD", "bash", "probe.sh", "tcp", "8793")


def container(name: str, health: str = "starting", state: str = "running") -> ServiceContainer:
    return ServiceContainer("worker", name, state, health, 0, id=name, health_test=CHECK)


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[bool]]:
    """Each container's check outcomes, in order; every run of a check pops one."""
    outcomes: dict[str, list[bool]] = {}

    def passes(found: ServiceContainer) -> bool:
        return outcomes[found.id].pop(0)

    monkeypatch.setattr(health_checks, "passes", passes)
    return outcomes


def test_the_engines_forms_of_a_check_become_the_command_it_runs() -> None:
    assert check_command(CHECK) == ["bash", "probe.sh", "tcp", "8793"]
    assert check_command(("CMD-SHELL", "pg_isready -U airflow")) == ["/bin/sh", "-c", "pg_isready -U airflow"]
    assert check_command(("NONE",)) is None and check_command(()) is None


def test_a_starting_container_whose_check_passes_counts_as_healthy(runs: dict[str, list[bool]]) -> None:
    runs.update({"a": [True], "b": [False]})
    shown = Prober().apply([container("a"), container("b")])
    assert [(c.name, c.health, c.ready) for c in shown] == [("a", "healthy", True), ("b", "starting", False)]
    assert runs == {"a": [], "b": []}, "each check ran once"


def test_a_failed_check_runs_again_only_after_the_interval(
    runs: dict[str, list[bool]], monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [100.0]
    monkeypatch.setattr(health_checks.time, "monotonic", lambda: clock[0])
    runs["a"] = [False, True]
    prober = Prober(every=2)
    assert prober.apply([container("a")])[0].health == "starting"
    clock[0] += 1
    assert prober.apply([container("a")])[0].health == "starting" and runs["a"] == [True], "not run again yet"
    clock[0] += 1
    assert prober.apply([container("a")])[0].health == "healthy"
    clock[0] += 60
    assert prober.apply([container("a")])[0].health == "healthy", "proven once, not run again"


def test_only_the_engines_starting_is_replaced(runs: dict[str, list[bool]]) -> None:
    prober = Prober(every=0)
    runs["a"] = [True]
    prober.apply([container("a")])
    shown = prober.apply(
        [container("a", health="unhealthy"), container("b", health="healthy"), container("c", state="exited")]
    )
    assert [c.health for c in shown] == ["unhealthy", "healthy", "starting"], "the engine's verdicts stand"
    assert [c.ready for c in shown] == [False, True, False]
