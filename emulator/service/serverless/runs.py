"""Workflow runs carried out on the serverless engine (docs/reference.md §24). A thread moves each
active run along, once a second:

- STARTING: the engine is started if it is not running, the run's DAG file is published to it and,
  once Airflow lists the DAG, the run is triggered with the run's id and OverrideParameters → QUEUED;
- QUEUED, RUNNING: the engine's DAG run and task instances are read back → SUCCESS or FAILED
  (TIMEOUT when it failed for running past the definition's `dagrun_timeout`);
- STOPPING: the DAG run is marked failed, which ends its running tasks → STOPPED.

The same thread starts a SCHEDULED run in each minute an active schedule matches, and stops the
engine once no run has been active for the idle period: between runs nothing of it runs.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from emulator.model.errors import MwaaLocalError
from emulator.model.serverless import cron
from emulator.model.serverless.definition import parse_definition
from emulator.model.serverless.engine import ENGINE_NAME
from emulator.model.serverless.engine_dag import engine_dag_id, engine_files, file_name
from emulator.model.serverless.runs import (
    DAG_RUN_STATES,
    FAILED,
    QUEUED,
    SCHEDULED,
    STARTING,
    STOPPED,
    STOPPING,
    SUCCESS,
    TASK_STATES,
    TIMEOUT,
    TaskInstance,
    WorkflowRun,
    new_run_id,
)
from emulator.model.serverless.workflows import Workflow, WorkflowVersion
from emulator.service.airflow_rest import AirflowRest, parsed_time
from emulator.service.serverless.engine import Engine
from emulator.service.serverless.logs import WorkflowLogs
from emulator.service.serverless.roles import WorkflowRoles
from emulator.service.serverless.store import WorkflowStore

ROUND_SECONDS = 1.0
LOG_GRACE_SECONDS = 120.0  # how long after its run a task's log is still awaited from the engine
PARSE_SECONDS = 180.0  # how long a published DAG may take to appear before its run fails
FINISHED = frozenset({SUCCESS, FAILED, STOPPED, TIMEOUT})
log = logging.getLogger(__name__)


class EngineRunError(MwaaLocalError):
    """The engine's Airflow refused or failed a call the run needed."""


class RunDriver:
    def __init__(
        self,
        store: WorkflowStore,
        engine: Engine,
        roles: WorkflowRoles,
        idle_seconds: float,
        logs: WorkflowLogs | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.logs = logs
        self.store = store
        self.engine = engine
        self.roles = roles
        self.idle_seconds = idle_seconds
        self.clock = clock
        self.lock = threading.Lock()  # the API thread and this one both write runs
        self.last_active = clock()
        self.fired: dict[str, str] = {}  # workflow → the minute its schedule last fired
        self.wake = threading.Event()

    def airflow(self) -> AirflowRest:
        airflow = AirflowRest(self.engine, ENGINE_NAME, 3)
        airflow.error = EngineRunError
        return airflow

    # -- what the API starts ---------------------------------------------------------------------

    def new_run(
        self, workflow: Workflow, version: str, run_type: str, parameters: dict[str, Any], token: str | None = None
    ) -> WorkflowRun:
        now = self.clock()
        run = WorkflowRun(
            run_id=new_run_id(),
            workflow=workflow.name,
            workflow_arn=workflow.arn,
            version=version,
            dag_id=engine_dag_id(workflow.name, version),
            run_type=run_type,
            status=STARTING,
            created_at=now,
            modified_at=now,
            override_parameters=parameters,
            client_token=token,
        )
        with self.lock:
            self.store.save_run(run)
        self.wake.set()
        return run

    def stop_run(self, run: WorkflowRun) -> WorkflowRun:
        with self.lock:
            current = self.store.load_run(run.workflow, run.run_id) or run
            if current.active and current.status != STOPPING:
                current.status, current.modified_at = STOPPING, self.clock()
                self.store.save_run(current)
        self.wake.set()
        return current

    def keep_engine(self) -> None:
        """Start the engine now and count this as activity (the UI is open on it)."""
        self.last_active = self.clock()
        self.engine.ensure_running()

    # -- the thread ------------------------------------------------------------------------------

    def start(self, stop: threading.Event) -> threading.Thread:
        def loop() -> None:
            while not stop.is_set():
                try:
                    self.round()
                except Exception:  # one bad round must not end the runs' thread
                    log.exception("serverless runs round failed")
                self.wake.wait(ROUND_SECONDS)
                self.wake.clear()

        thread = threading.Thread(target=loop, name="mwaa-serverless-runs", daemon=True)
        thread.start()
        return thread

    def round(self) -> None:
        self.fire_schedules(datetime.fromtimestamp(self.clock(), UTC))
        runs = self.store.runs()
        now = self.clock()
        for run in runs:
            if run.active or (run.ended_at or 0) > now - LOG_GRACE_SECONDS:
                self.ship_logs(run)
        active = [run for run in runs if run.active]
        if not active:
            if self.engine.up and now - self.last_active >= self.idle_seconds:
                self.engine.stop()
                self.roles.forget_connections()
            return
        self.last_active = now
        if any(run.status != STOPPING for run in active):
            try:
                self.engine.ensure_running()
            except MwaaLocalError as error:  # each waiting run fails with why; the next run tries again
                for run in active:
                    self.finish(run, FAILED, f"The serverless engine did not start: {error.message}")
                return
        for run in active:
            try:
                self.advance(run)
            except EngineRunError as error:
                self.finish(run, FAILED, error.message)

    def fire_schedules(self, moment: datetime) -> None:
        minute = moment.strftime("%Y-%m-%dT%H:%M")
        for name in self.store.names():
            workflow = self.store.load(name)
            if workflow is None or self.fired.get(name) == minute:
                continue
            version = next((v for v in workflow.versions if v.scheduled and v.schedule), None)
            if version is None or version.schedule is None:
                continue
            try:
                due = cron.matches(version.schedule, moment)
            except cron.CronError:
                continue
            if due:
                self.fired[name] = minute
                self.new_run(workflow, version.version, SCHEDULED, {})

    def version_of(self, run: WorkflowRun) -> WorkflowVersion | None:
        """The workflow version a run runs; None when it was deleted meanwhile."""
        workflow = self.store.load(run.workflow)
        return workflow.version(run.version) if workflow else None

    def advance(self, run: WorkflowRun) -> None:
        airflow = self.airflow()
        if run.status == STARTING:
            self.trigger(run, airflow)
        elif run.status == STOPPING:
            self.stop_in_engine(run, airflow)
        else:
            self.follow(run, airflow)

    def trigger(self, run: WorkflowRun, airflow: AirflowRest) -> None:
        version = self.version_of(run)
        if version is None:
            raise EngineRunError(f"Workflow version {run.version} of {run.workflow} no longer exists.")
        connection = self.roles.prepare(str(version.members["RoleArn"]), airflow)
        text = self.store.definition(run.workflow, run.version)
        files = engine_files(text, run.workflow, run.version, connection)
        self.engine.publish(file_name(run.workflow, run.version), files)
        if airflow.dag(run.dag_id) is None:
            waited = self.clock() - self.engine.published_at(file_name(run.workflow, run.version))
            if waited > PARSE_SECONDS:
                raise EngineRunError(self.not_parsed(airflow, file_name(run.workflow, run.version)))
            return  # not parsed yet: the next round asks again
        airflow.trigger(run.dag_id, run.run_id, run.override_parameters)
        self.update(run, status=QUEUED)

    def ship_logs(self, run: WorkflowRun) -> None:
        """Copy each ended task's log to the workflow's log group, once the engine has it."""
        if self.logs is None or not any(task.ended and task.log_stream is None for task in run.tasks):
            return
        version = self.version_of(run)
        group = ((version.members.get("LoggingConfiguration") or {}) if version else {}).get("LogGroupName")
        if not group:
            return
        copied = {
            task.task_id: stream
            for task in run.tasks
            if task.ended
            and task.log_stream is None
            and (stream := self.logs.copy(run.dag_id, run.run_id, task.task_id, task.attempts, group))
        }
        if copied:
            with self.lock:
                current = self.store.load_run(run.workflow, run.run_id)
                if current is not None:
                    for task in current.tasks:
                        task.log_stream = copied.get(task.task_id, task.log_stream)
                    self.store.save_run(current)

    def not_parsed(self, airflow: AirflowRest, name: str) -> str:
        """Why the engine has no DAG for a published file: its import error, if it has one."""
        _, answer = airflow.call("GET", "/importErrors", QueryParameters={"limit": 100})
        for error in answer.get("import_errors", []) if isinstance(answer, dict) else []:
            if str(error.get("filename", "")).endswith(name):
                return f"The workflow's DAG does not load: {str(error.get('stack_trace', '')).strip()[-1000:]}"
        return f"The engine has not loaded the workflow's DAG after {PARSE_SECONDS:.0f} s."

    def follow(self, run: WorkflowRun, airflow: AirflowRest) -> None:
        _, dag_run = airflow.call("GET", airflow.run_path(run.dag_id, run.run_id))
        streams = {(task.task_id, task.attempts): task.log_stream for task in run.tasks}
        tasks = [task_of(found) for found in airflow.task_instances(run.dag_id, run.run_id)]
        for task in tasks:
            task.log_stream = streams.get((task.task_id, task.attempts))
        state = DAG_RUN_STATES.get(str(dag_run.get("state")), run.status)
        started = parsed_time(dag_run.get("start_date"))
        if state in FINISHED:
            ended = parsed_time(dag_run.get("end_date"))
            failed = [task.task_id for task in tasks if task.status in ("FAILED", "UPSTREAM_FAILED")]
            error = f"Task {failed[0]} failed." if failed and state == FAILED else None
            limit = parse_definition(self.store.definition(run.workflow, run.version).encode()).timeout_seconds
            if state == FAILED and limit and started and ended and ended - started >= limit - 1:
                state, error = TIMEOUT, f"The run took longer than its dagrun_timeout of {limit:.0f} s."
            self.finish(run, state, error, tasks, started, ended)
        else:
            self.update(run, status=state, tasks=tasks, started_at=started)

    def stop_in_engine(self, run: WorkflowRun, airflow: AirflowRest) -> None:
        if airflow.dag(run.dag_id) is not None:
            status, _ = airflow.call("GET", airflow.run_path(run.dag_id, run.run_id), ok=(200, 404))
            if status == 200:
                airflow.call("PATCH", airflow.run_path(run.dag_id, run.run_id), Body={"state": "failed"})
                tasks = [task_of(found) for found in airflow.task_instances(run.dag_id, run.run_id)]
                self.finish(run, STOPPED, None, tasks)
                return
        self.finish(run, STOPPED, None)

    def update(self, run: WorkflowRun, **changes: Any) -> None:
        with self.lock:
            current = self.store.load_run(run.workflow, run.run_id)
            if current is None:
                return  # the workflow was deleted meanwhile
            if current.status == STOPPING and changes.get("status") not in (STOPPED, None):
                changes.pop("status", None)  # a stop asked meanwhile wins
            for key, value in changes.items():
                if value is not None:
                    setattr(current, key, value)
            current.modified_at = self.clock()
            self.store.save_run(current)

    def finish(
        self,
        run: WorkflowRun,
        status: str,
        error: str | None,
        tasks: list[TaskInstance] | None = None,
        started: float | None = None,
        ended: float | None = None,
    ) -> None:
        self.update(run, status=status, error=error, tasks=tasks, started_at=started, ended_at=ended or self.clock())


def task_of(found: dict[str, Any]) -> TaskInstance:
    """A task instance of the engine's API as the model reports it."""
    state = found.get("state")
    return TaskInstance(
        task_id=str(found["task_id"]),
        status=TASK_STATES.get(state, str(state).upper()),
        operator=found.get("operator") or found.get("operator_name"),
        attempts=int(found.get("try_number") or 0),
        started_at=parsed_time(found.get("start_date")),
        ended_at=parsed_time(found.get("end_date")),
        modified_at=parsed_time(found.get("end_date") or found.get("start_date")),
        error=f"Task {found['task_id']} failed." if state == "failed" else None,
    )
