"""Workflow runs driven on a (scripted) serverless engine: the engine started for the first run,
the DAG published and triggered once Airflow lists it, states read back, stops, schedules and the
idle stop."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from emulator.model.serverless.runs import FAILED, QUEUED, RUNNING, SCHEDULED, STARTING, STOPPED, SUCCESS, TIMEOUT
from emulator.model.serverless.workflows import Workflow, WorkflowVersion
from emulator.service.serverless.runs import RunDriver
from emulator.service.serverless.store import WorkflowStore
from tests.unit.service.serverless_fakes import FakeEngine, FakeRoles

DEFINITION = """flow:
  schedule: "*/5 * * * *"
  tasks:
    - task_id: first
      operator: airflow.providers.amazon.aws.operators.s3.S3ListOperator
"""
VERSION = "a" * 32
ROLE = "arn:aws:iam::000000000000:role/flows"
DAG = f"nightly__{VERSION}"


@pytest.fixture
def store(tmp_path: Path) -> WorkflowStore:
    found = WorkflowStore(tmp_path / "serverless")
    version = WorkflowVersion(VERSION, 0.0, {"RoleArn": ROLE}, "flow", "*/5 * * * *", True)
    found.save(
        Workflow(
            "arn:aws:airflow-serverless:us-east-1:000000000000:workflow/nightly-abcdefghij",
            "nightly",
            0.0,
            0.0,
            versions=[version],
        )
    )
    found.save_definition("nightly", VERSION, DEFINITION)
    return found


def driver(store: WorkflowStore, engine: FakeEngine, clock: list[float], roles: FakeRoles | None = None) -> RunDriver:
    engine.clock = lambda: clock[0]
    return RunDriver(store, engine, roles or FakeRoles(), idle_seconds=30, clock=lambda: clock[0])  # type: ignore[arg-type]


def parsed_setup(store: WorkflowStore, now: float) -> tuple[FakeEngine, list[float], RunDriver, Workflow]:
    """An engine that has parsed the workflow's DAG, a clock at `now`, the driver and the workflow."""
    engine, clock = FakeEngine(), [now]
    runs = driver(store, engine, clock)
    workflow = store.load("nightly")
    assert workflow is not None
    engine.parsed.add(DAG)
    return engine, clock, runs, workflow


def test_a_run_starts_the_engine_waits_for_the_parse_then_follows_airflow(store: WorkflowStore) -> None:
    engine, clock, roles = FakeEngine(), [1_000.0], FakeRoles()
    runs = driver(store, engine, clock, roles)
    workflow = store.load("nightly")
    assert workflow is not None
    run = runs.new_run(workflow, VERSION, "ON_DEMAND", {"day": "monday"})
    assert run.status == STARTING
    runs.round()
    assert engine.up and f"{DAG}.py" in engine.files, "the engine started and the version's DAG published"
    assert "load_yaml_dags" in engine.files[f"{DAG}.py"] and '.with_suffix(".yaml")' in engine.files[f"{DAG}.py"]
    published = engine.files[f"{DAG}.yaml"]
    assert published.startswith(f"{DAG}:"), "the DAG id of the engine"
    assert "aws_conn_id: mwaa_serverless_role_flows" in published, "the tasks act as the workflow's role"
    assert roles.prepared == [ROLE]
    assert store.load_run("nightly", run.run_id).status == STARTING, "not parsed yet: not triggered"
    engine.parsed.add(DAG)
    runs.round()
    assert store.load_run("nightly", run.run_id).status == QUEUED
    assert engine.runs[(DAG, run.run_id)]["conf"] == {"day": "monday"}, "OverrideParameters are the run's conf"
    engine.runs[(DAG, run.run_id)].update(state="running", start_date="2026-12-05T10:00:00+00:00")
    engine.tasks[(DAG, run.run_id)] = [
        {"task_id": "first", "state": "running", "try_number": 1, "operator": "S3ListOperator",
         "start_date": "2026-12-05T10:00:01+00:00"},
    ]  # fmt: skip
    runs.round()
    current = store.load_run("nightly", run.run_id)
    assert (current.status, current.tasks[0].status, current.tasks[0].attempts) == (RUNNING, "RUNNING", 1)
    engine.runs[(DAG, run.run_id)].update(state="failed", end_date="2026-12-05T10:00:09+00:00")
    engine.tasks[(DAG, run.run_id)][0].update(state="failed", end_date="2026-12-05T10:00:08+00:00")
    runs.round()
    ended = store.load_run("nightly", run.run_id)
    assert (ended.status, ended.error, ended.tasks[0].duration) == (FAILED, "Task first failed.", 7)


def test_a_stop_marks_the_engines_run_failed_and_ends_stopped(store: WorkflowStore) -> None:
    engine, _, runs, workflow = parsed_setup(store, 1_000.0)
    run = runs.new_run(workflow, VERSION, "ON_DEMAND", {})
    runs.round()
    runs.stop_run(run)
    runs.round()
    assert store.load_run("nightly", run.run_id).status == STOPPED
    assert engine.runs[(DAG, run.run_id)]["state"] == "failed"
    never_triggered = runs.new_run(workflow, VERSION, "ON_DEMAND", {})
    runs.stop_run(never_triggered)
    runs.round()
    assert store.load_run("nightly", never_triggered.run_id).status == STOPPED


def test_the_schedule_fires_once_in_its_minute_and_only_the_active_version(store: WorkflowStore) -> None:
    engine, clock = FakeEngine(), [datetime(2026, 12, 5, 10, 5, 7, tzinfo=UTC).timestamp()]
    runs = driver(store, engine, clock)
    runs.fire_schedules(datetime(2026, 12, 5, 10, 5, 7, tzinfo=UTC))
    runs.fire_schedules(datetime(2026, 12, 5, 10, 5, 40, tzinfo=UTC))
    runs.fire_schedules(datetime(2026, 12, 5, 10, 6, 0, tzinfo=UTC))
    assert [run.run_type for run in store.runs("nightly")] == [SCHEDULED], "10:05 once; 10:06 does not match"
    workflow = store.load("nightly")
    assert workflow is not None
    workflow.versions[0].scheduled = False
    store.save(workflow)
    runs.fire_schedules(datetime(2026, 12, 5, 10, 10, 0, tzinfo=UTC))
    assert len(store.runs("nightly")) == 1, "a disabled schedule starts nothing"


def test_the_engine_stops_after_the_idle_period_and_comes_back_for_the_next_run(store: WorkflowStore) -> None:
    engine, clock, runs, workflow = parsed_setup(store, datetime(2026, 12, 5, 10, 1, tzinfo=UTC).timestamp())
    run = runs.new_run(workflow, VERSION, "ON_DEMAND", {})
    runs.round()
    engine.runs[(DAG, run.run_id)]["state"] = "success"
    runs.round()
    assert store.load_run("nightly", run.run_id).status == SUCCESS
    clock[0] += 29
    runs.round()
    assert engine.up, "within the idle period"
    clock[0] += 2
    runs.round()
    assert (engine.up, engine.stops) == (False, 1)
    runs.new_run(workflow, VERSION, "ON_DEMAND", {})
    runs.round()
    assert (engine.up, engine.starts) == (True, 2)


def test_a_run_fails_with_why_when_the_engine_cannot_start_or_load_its_dag(store: WorkflowStore) -> None:
    engine, clock = FakeEngine(), [1_000.0]
    runs = driver(store, engine, clock)
    workflow = store.load("nightly")
    assert workflow is not None
    engine.fail_start = "building the Airflow image failed"
    first = runs.new_run(workflow, VERSION, "ON_DEMAND", {})
    runs.round()
    failed = store.load_run("nightly", first.run_id)
    assert (failed.status, failed.error) == (
        FAILED,
        "The serverless engine did not start: building the Airflow image failed",
    )
    engine.fail_start = None
    second = runs.new_run(workflow, VERSION, "ON_DEMAND", {})
    engine.import_errors = [{"filename": f"/usr/local/airflow/dags/{DAG}.py", "stack_trace": "KeyError: 'tasks'"}]
    runs.round()
    assert store.load_run("nightly", second.run_id).status == STARTING, "still within the parse time"
    clock[0] += 181
    runs.round()
    broken = store.load_run("nightly", second.run_id)
    assert (broken.status, broken.error) == (FAILED, "The workflow's DAG does not load: KeyError: 'tasks'")


def test_a_run_failed_for_running_past_its_dagrun_timeout_ends_timeout(store: WorkflowStore) -> None:
    store.save_definition("nightly", VERSION, DEFINITION.replace("  tasks:", "  dagrun_timeout: 5\n  tasks:"))
    engine, _, runs, workflow = parsed_setup(store, 1_000.0)
    run = runs.new_run(workflow, VERSION, "ON_DEMAND", {})
    runs.round()
    assert "seconds: 5" in engine.files[f"{DAG}.yaml"], "dag-factory gets a timedelta"
    engine.runs[(DAG, run.run_id)].update(
        state="failed", start_date="2026-12-05T10:00:00+00:00", end_date="2026-12-05T10:00:05+00:00"
    )
    runs.round()
    ended = store.load_run("nightly", run.run_id)
    assert (ended.status, ended.error) == (TIMEOUT, "The run took longer than its dagrun_timeout of 5 s.")
