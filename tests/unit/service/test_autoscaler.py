"""The autoscaler's rule, its choice of workers to drain, its reading of the load and its
rounds over environments, with a fake clock and a stand-in stack (the real one:
tests/integration/test_autoscaling.py)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from emulator.docker.compose import ServiceContainer
from emulator.docker.environment import DRAINING_POLICY
from emulator.model import status
from emulator.model.record import build_record
from emulator.service.autoscaler import journal, load
from emulator.service.autoscaler.service import Autoscaler
from emulator.service.autoscaler.sizing import (
    HOLD,
    SCALE_IN,
    SCALE_OUT,
    Bounds,
    Load,
    Policy,
    choose_drained,
    required_workers,
)
from emulator.service.provider.entries import Entry
from emulator.service.provider.store import MemoryStore
from emulator.state.home import EnvironmentState
from emulator.state.settings import project_paths

pytestmark = pytest.mark.unit

SMALL = Bounds(min_workers=1, max_workers=3, tasks_per_worker=5)


@pytest.mark.parametrize(
    ("running", "queued", "required"),
    [(0, 0, 1), (1, 0, 1), (5, 0, 1), (5, 1, 2), (3, 7, 2), (10, 5, 3), (15, 0, 3), (40, 60, 3)],
)
def test_required_workers_is_mwaa_formula_within_the_bounds(running: int, queued: int, required: int) -> None:
    assert required_workers(Load(running, queued), SMALL) == required


def test_min_workers_is_kept_with_no_load() -> None:
    assert required_workers(Load(0, 0), Bounds(2, 5, 10)) == 2


def test_a_backlog_scales_out_at_once() -> None:
    decision = Policy(cooldown=60).decide(0.0, 1, Load(running=5, queued=10), SMALL)
    assert (decision.action, decision.current, decision.desired) == (SCALE_OUT, 1, 3)
    assert "5 running + 10 queued tasks at 5 per worker need 3 workers" in decision.reason


def test_scale_in_waits_for_the_cooldown_and_a_new_wave_resets_it() -> None:
    policy = Policy(cooldown=60)
    idle = Load(0, 0)
    assert policy.decide(0.0, 3, idle, SMALL).action == HOLD
    waiting = policy.decide(59.0, 3, idle, SMALL)
    assert waiting.action == HOLD and "scale in after 1s more" in waiting.reason
    # A new wave before the cooldown ends: nothing is removed, and the wait starts over.
    assert policy.decide(59.5, 3, Load(15, 0), SMALL).action == HOLD
    assert policy.decide(100.0, 3, idle, SMALL).action == HOLD
    done = policy.decide(160.0, 3, idle, SMALL)
    assert (done.action, done.desired) == (SCALE_IN, 1)
    assert "for 60s" in done.reason


def test_scale_in_keeps_what_the_remaining_tasks_need() -> None:
    policy = Policy(cooldown=0)
    decision = policy.decide(0.0, 3, Load(running=7, queued=0), SMALL)
    assert (decision.action, decision.desired) == (SCALE_IN, 2)


def test_lowering_max_workers_scales_in_to_the_new_bound() -> None:
    decision = Policy(cooldown=0).decide(0.0, 5, Load(running=50, queued=0), SMALL)
    assert (decision.action, decision.desired) == (SCALE_IN, 3)


def test_idle_workers_are_drained_first_then_the_least_busy_newest_first() -> None:
    hosts = ["w1", "w2", "w3", "w4"]  # oldest first
    assert choose_drained(hosts, {"w1": 2, "w3": 1}, 2) == ["w4", "w2"]
    assert choose_drained(hosts, {"w1": 2, "w2": 3, "w3": 1, "w4": 4}, 2) == ["w3", "w1"]
    assert choose_drained(hosts, {}, 0) == []


def test_task_rows_are_counted_by_state_and_host() -> None:
    rows = "running|abc|2\nqueued||4\nrunning|def|1\nqueued|abc|1\noldest||42\n\n"
    assert load.parse_tasks(rows) == (3, 5, {"abc": 2, "def": 1}, 42)


def test_an_idle_environment_costs_one_query_and_the_broker_is_asked_when_tasks_queue(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[str] = []
    answers = {"postgres": "running|w1|2\n", "redis": "7\n"}

    def run_in(container: ServiceContainer, *command: str) -> str:
        asked.append(container.service)
        return answers[container.service]

    def containers_of(service: str) -> list[ServiceContainer]:
        return [ServiceContainer(service, f"env-{service}-1", "running", "healthy", 0, id=service)]

    monkeypatch.setattr(load, "run_in", run_in)
    assert load.observe(containers_of, "airflow-celery-env") == load.Observation(Load(2, 0, 0), {"w1": 2})
    assert asked == ["postgres"]
    answers["postgres"] = "running|w1|2\nqueued||7\n"
    assert load.observe(containers_of, "airflow-celery-env").load == Load(2, 7, 7)
    assert asked == ["postgres", "postgres", "redis"]
    with pytest.raises(load.LoadUnavailable):
        load.observe(lambda service: [], "airflow-celery-env")


def test_the_journal_keeps_the_latest_reading_and_every_decision(tmp_path: Path) -> None:
    assert journal.read(tmp_path) is None
    reading = journal.Snapshot(1.0, 2, 3, 1, 1, 0, 2, 1, 3, 5, SCALE_OUT, "because")
    journal.write(tmp_path, reading)
    assert journal.read(tmp_path) == reading
    assert reading.metrics()["RunningTasks"] == 2 and reading.metrics()["QueuedTasks"] == 3
    journal.log(tmp_path, 0.0, "scale out 1 → 2 workers: because")
    assert journal.decisions(tmp_path) == ["1970-01-01T00:00:00Z scale out 1 → 2 workers: because"]
    (tmp_path / journal.SNAPSHOT_FILE).write_text("{not json")
    assert journal.read(tmp_path) is None


# -- rounds over environments, with a stand-in stack ----------------------------------------------


def worker(number: int, host: str, draining: bool = False, state: str = "running") -> ServiceContainer:
    return ServiceContainer(
        service="worker",
        name=f"mwaa-env-worker-{number}",
        state=state,
        health="healthy",
        exit_code=0,
        id=f"id-{host}",
        hostname=host,
        restart_policy=DRAINING_POLICY if draining else "unless-stopped",
    )


class StandInStack:
    def __init__(self, workers: list[ServiceContainer]) -> None:
        self.workers = workers
        self.added: list[int] = []
        self.drained: list[str] = []

    def service_containers(self, service: str) -> list[ServiceContainer]:
        return [w for w in self.workers if w.service == service]

    def add_workers(self, total: int) -> None:
        self.added.append(total)

    def drain_worker(self, worker: ServiceContainer) -> None:
        self.drained.append(worker.hostname)
        self.workers = [
            dataclasses.replace(w, restart_policy=DRAINING_POLICY) if w == worker else w for w in self.workers
        ]

    def remove_drained_workers(self, workers: list[ServiceContainer] | None = None) -> list[ServiceContainer]:
        listed = self.workers if workers is None else workers
        gone = [w for w in listed if w.restart_policy == DRAINING_POLICY and w.state != "running"]
        self.workers = [w for w in self.workers if w not in gone]
        return gone


class Round:
    """An autoscaler over one environment, a stand-in stack and a load the test sets."""

    def __init__(self, home: Path, fields: dict[str, object], workers: list[ServiceContainer]) -> None:
        self.store = MemoryStore()
        self.record = build_record({"Name": "env", **fields})
        self.store.save(Entry(self.record, status.create_succeeded(status.creating("env", 0.0))))
        self.stack = StandInStack(workers)
        self.observation = load.Observation(Load(0, 0))
        self.now = 0.0
        self.state = EnvironmentState(home, "env")
        self.state.directory.mkdir(parents=True)
        self.autoscaler = Autoscaler(
            self.store,
            home,
            project_paths(),
            clock=lambda: self.now,
            stack_for=lambda record, state: self.stack,
            observe=lambda containers_of, queue: self.observation,
        )

    def run(self, at: float, running: int = 0, queued: int = 0, by_host: dict[str, int] | None = None) -> None:
        self.now = at
        self.observation = load.Observation(Load(running, queued), by_host or {})
        self.autoscaler.run_once()


def test_a_round_adds_workers_for_the_backlog_and_records_why(tmp_path: Path) -> None:
    scaling = Round(tmp_path, {"MinWorkers": 1, "MaxWorkers": 3}, [worker(1, "w1")])
    scaling.run(10.0, running=5, queued=10, by_host={"w1": 5})
    assert scaling.stack.added == [3]
    reading = journal.read(scaling.state.directory)
    assert reading is not None and (reading.workers, reading.desired, reading.queued) == (1, 3, 10)
    assert journal.decisions(scaling.state.directory)[-1].endswith(
        "scale out 1 → 3 workers: 5 running + 10 queued tasks at 5 per worker need 3 workers "
        "(MinWorkers 1, MaxWorkers 3)"
    )


def test_a_round_drains_idle_workers_after_the_cooldown_never_the_busy_one(tmp_path: Path) -> None:
    workers = [worker(1, "w1"), worker(2, "w2"), worker(3, "w3")]
    scaling = Round(tmp_path, {"MinWorkers": 1, "MaxWorkers": 3}, workers)
    scaling.run(0.0, running=1, by_host={"w2": 1})
    assert scaling.stack.drained == [], "the cooldown has not passed"
    scaling.run(30.0, running=1, by_host={"w2": 1})  # the default (mwaa) timings: 120 s
    assert scaling.stack.drained == []
    scaling.run(121.0, running=1, by_host={"w2": 1})
    assert sorted(scaling.stack.drained) == ["w1", "w3"]
    assert any(
        "draining worker mwaa-env-worker-3 (running 0 tasks)" in line
        for line in journal.decisions(scaling.state.directory)
    )
    # Draining workers count as neither taking tasks nor needed: nothing more happens.
    scaling.run(125.0, running=1, by_host={"w2": 1})
    assert scaling.stack.added == [] and len(scaling.stack.drained) == 2
    reading = journal.read(scaling.state.directory)
    assert reading is not None and (reading.workers, reading.draining) == (1, 2)


def test_a_drained_worker_that_exited_is_removed_and_a_new_backlog_adds_fresh_ones(tmp_path: Path) -> None:
    workers = [worker(1, "w1"), worker(2, "w2", draining=True, state="exited")]
    scaling = Round(tmp_path, {"MinWorkers": 1, "MaxWorkers": 3}, workers)
    scaling.run(0.0, running=5, queued=5, by_host={"w1": 5})
    assert [w.hostname for w in scaling.stack.workers] == ["w1"]
    assert scaling.stack.added == [2], "one taking tasks + one more"
    assert any(
        "removed drained worker mwaa-env-worker-2" in line for line in journal.decisions(scaling.state.directory)
    )


def test_a_worker_still_draining_is_not_counted_as_capacity(tmp_path: Path) -> None:
    workers = [worker(1, "w1"), worker(2, "w2", draining=True)]
    scaling = Round(tmp_path, {"MinWorkers": 1, "MaxWorkers": 3}, workers)
    scaling.run(0.0, running=6, queued=4, by_host={"w1": 5, "w2": 1})
    # Two workers needed, one taking tasks: compose is asked for the draining one + two.
    assert scaling.stack.added == [3]


def test_micro_and_environments_being_changed_are_left_alone(tmp_path: Path) -> None:
    micro = Round(tmp_path / "micro", {"EnvironmentClass": "mw1.micro"}, [])
    published: list[journal.Snapshot] = []
    micro.autoscaler.publish = lambda record, reading: published.append(reading)
    micro.run(0.0, running=3, queued=30)
    assert micro.stack.added == [] and journal.read(micro.state.directory) is None
    # Never scaled, but its cluster and queue are published as MWAA publishes them.
    assert [(r.workers, r.running, r.queued, r.action) for r in published] == [(1, 3, 30, "hold")]
    updating = Round(tmp_path / "updating", {"MinWorkers": 1, "MaxWorkers": 3}, [worker(1, "w1")])
    entry = updating.store.load("env")
    assert entry is not None
    updating.store.save(dataclasses.replace(entry, lifecycle=status.updating(entry.lifecycle, 1.0)))
    updating.run(2.0, running=5, queued=10)
    assert updating.stack.added == []


def test_an_environment_whose_state_is_locked_waits_for_the_next_round(tmp_path: Path) -> None:
    scaling = Round(tmp_path, {"MinWorkers": 1, "MaxWorkers": 3}, [worker(1, "w1")])
    with scaling.state.lock():
        scaling.run(0.0, running=5, queued=10)
    assert scaling.stack.added == []
    scaling.run(5.0, running=5, queued=10)
    assert scaling.stack.added == [3]


def test_celery_worker_autoscale_sets_the_tasks_per_worker(tmp_path: Path) -> None:
    given = {"MinWorkers": 1, "MaxWorkers": 3, "AirflowConfigurationOptions": {"celery.worker_autoscale": "2,2"}}
    scaling = Round(tmp_path, given, [worker(1, "w1")])
    scaling.run(0.0, running=2, queued=2)
    assert scaling.stack.added == [2]
