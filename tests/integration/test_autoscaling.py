"""Worker autoscaling on the running stack (docs/reference.md §11): the control plane adds workers for a
backlog, up to MaxWorkers, and drains them back to MinWorkers after the cooldown (20 s with the
`dev` timings the session's environments run) without killing or repeating a task.

The session's shared environments run mw1.small (5 tasks per worker); these tests set their
MaxWorkers to 3 through the workspace's environment.json and `mwaa-local up`, and put it back
when the module is done."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from emulator.cli.lifecycle import Context
from emulator.docker.compose import ServiceContainer
from emulator.docker.environment import DRAINING_POLICY, EnvironmentStack
from emulator.service.autoscaler import journal
from tests.support import Environment, pool_processes, wait_for

TASKS_PER_WORKER = 5  # mw1.small
MAX_WORKERS = 3


def taking_tasks(environment: Environment) -> list[ServiceContainer]:
    """Worker containers running and not draining."""
    return [c for c in environment.containers("worker") if c.state == "running" and c.restart_policy != DRAINING_POLICY]


def decisions(environment: Environment) -> list[str]:
    return journal.decisions(Context.load().state(environment.name).directory)


@pytest.fixture(scope="module")
def restored() -> Iterator[dict[str, tuple[Environment, str]]]:
    """The shared environments these tests changed, with their workspace's environment.json as it
    was: put back (and applied with `up`) once the module is done, for the tests after it."""
    changed: dict[str, tuple[Environment, str]] = {}
    yield changed
    for environment, original in changed.values():
        (environment.workspace / "environment.json").write_text(original)
        up = environment.up()
        assert up.returncode == 0, up.stdout + up.stderr


def with_max_workers(environment: Environment, maximum: int, restored: dict[str, tuple[Environment, str]]) -> None:
    """The workspace's environment.json with MaxWorkers, applied by `mwaa-local up`."""
    settings_file = environment.workspace / "environment.json"
    original = settings_file.read_text()
    settings = json.loads(original)
    if settings.get("MaxWorkers") == maximum and environment.described()["MaxWorkers"] == maximum:
        return
    restored.setdefault(environment.name, (environment, original))
    settings_file.write_text(json.dumps({**settings, "MaxWorkers": maximum, "MinWorkers": 1}))
    up = environment.up()
    assert up.returncode == 0, up.stdout + up.stderr
    assert environment.described()["MaxWorkers"] == maximum


def back_to_min_workers(environment: Environment, timeout: float = 240) -> None:
    """One worker taking tasks and none left draining (earlier tests' scaling has settled)."""
    wait_for(
        lambda: len(environment.containers("worker")) == 1 and len(taking_tasks(environment)) == 1,
        timeout,
        "the workers to return to MinWorkers (1)",
        interval=2,
    )


@contextmanager
def watching_workers(environment: Environment) -> Iterator[dict[str, set[str]]]:
    """The worker containers seen taking tasks at once (their most), by hostname, while inside."""
    seen: dict[str, set[str]] = {"most": set(), "all": set()}
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            hosts = {c.hostname for c in taking_tasks(environment)}
            seen["all"] |= hosts
            if len(hosts) > len(seen["most"]):
                seen["most"] = hosts
            stop.wait(1)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    try:
        yield seen
    finally:
        stop.set()
        thread.join()


def task_rows(environment: Environment, dag_id: str, run_id: str) -> list[list[str]]:
    return environment.sql(
        f"SELECT task_id, state, try_number, hostname FROM task_instance "
        f"WHERE dag_id = '{dag_id}' AND run_id = '{run_id}' ORDER BY task_id"
    )


def test_a_backlog_scales_workers_out_to_max_and_back_to_min(
    environment: Environment, restored: dict[str, tuple[Environment, str]]
) -> None:
    with_max_workers(environment, MAX_WORKERS, restored)
    environment.ensure_dag("it_fan_out")
    back_to_min_workers(environment)
    run_id = f"fan-out-{int(time.time())}"
    with watching_workers(environment) as seen:
        environment.trigger("it_fan_out", run_id)
        wait_for(lambda: len(taking_tasks(environment)) == MAX_WORKERS, 90, "MaxWorkers workers taking tasks")
        # `up` while scaled out changes nothing: the added workers keep running, none is recreated.
        scaled = {c.id for c in taking_tasks(environment)}
        up = environment.up()
        assert up.returncode == 0, up.stdout + up.stderr
        assert {c.id for c in taking_tasks(environment)} == scaled, "up reset the workers the autoscaler added"
        state = wait_for(
            lambda: (found := environment.run_state("it_fan_out", run_id)) in ("success", "failed") and found,
            400,
            "the fan-out run to finish",
            interval=2,
        )
        back_to_min_workers(environment)
    assert state == "success", environment.logs()
    rows = task_rows(environment, "it_fan_out", run_id)
    assert len(rows) == 15 and all(row[1:3] == ["success", "1"] for row in rows), rows
    assert len(seen["most"]) == MAX_WORKERS, f"at most MaxWorkers at once: {seen}"
    ran_on = {row[3] for row in rows}
    assert len(ran_on) >= 2 and ran_on <= seen["all"], "the added workers took tasks"
    said = decisions(environment)
    # One step or several (on a busy machine the 15 tasks are queued over a few autoscaler rounds).
    scale_out = [line for line in said if re.search(rf"scale out [12] → {MAX_WORKERS} workers", line)]
    assert scale_out, said
    # Back to MinWorkers in one step or two (whether the long tasks still ran then depends on the
    # machine's pace; a worker drained mid-task is test_a_worker_drained_mid_task_…'s subject).
    scale_in = [line for line in said if re.search(rf"scale in {MAX_WORKERS} → [12] workers: \d+ running", line)]
    assert scale_in, said
    reading = journal.read(Context.load().state(environment.name).directory)
    assert reading is not None and (reading.workers, reading.max_workers) == (1, MAX_WORKERS)


def test_a_worker_drained_mid_task_finishes_it_and_min_workers_is_restored(environment: Environment) -> None:
    environment.ensure_dag("it_long_task")
    back_to_min_workers(environment)
    run_id = f"drain-{int(time.time())}"
    environment.trigger("it_long_task", run_id)

    def running_host() -> str | None:
        rows = task_rows(environment, "it_long_task", run_id)
        return rows[0][3] if rows and rows[0][1] == "running" else None

    host = wait_for(running_host, 120, "the long task to run")
    (busy,) = [c for c in environment.containers("worker") if c.hostname == host]
    stack = EnvironmentStack(Context.load().paths, Context.load().state(environment.name), Context.load().naming)
    stack.drain_worker(busy)  # what the autoscaler does to a worker it removes
    time.sleep(5)
    assert [c.state for c in environment.containers("worker") if c.id == busy.id] == ["running"], (
        "a draining worker keeps running its task"
    )
    # MinWorkers is 1 and the draining worker takes no task: the autoscaler adds one.
    wait_for(lambda: len(taking_tasks(environment)) == 1, 60, "a new worker to replace the draining one")
    assert busy.id not in {c.id for c in taking_tasks(environment)}
    state = wait_for(
        lambda: (found := environment.run_state("it_long_task", run_id)) in ("success", "failed") and found,
        120,
        "the long task's run to finish",
    )
    assert state == "success", environment.logs()
    assert task_rows(environment, "it_long_task", run_id)[0][1:] == ["success", "1", host], "run once, where it began"
    wait_for(
        lambda: busy.id not in {c.id for c in environment.containers("worker")},
        60,
        "the drained worker to be removed once its task was done",
    )


def test_workers_run_the_class_tasks_per_worker(environment: Environment) -> None:
    """mw1.small: `celery.worker_autoscale` 5,5, so five Celery pool processes per worker."""
    # Counted idle: a pool process running a task is retitled by it. A worker the autoscaler
    # just added (an earlier test's scaling) starts its pool first.
    wait_for(
        lambda: environment.sql("SELECT count(*) FROM task_instance WHERE state IN ('running', 'queued')") == [["0"]],
        300,
        "no task running or queued",
        interval=2,
    )

    def counts() -> list[int]:
        listings = environment.process_titles()  # one listing per worker, for the count and the message
        found = [pool_processes(listing) for listing in listings.values()]
        if not found or set(found) != {TASKS_PER_WORKER}:
            # Kept as wait_for's last: what each worker was running instead.
            raise AssertionError(f"pool processes per worker: {found}; processes: {listings}")
        return found

    found = wait_for(counts, 120, f"every worker's Celery pool at {TASKS_PER_WORKER} processes", interval=1)
    assert set(found) == {TASKS_PER_WORKER}, found
