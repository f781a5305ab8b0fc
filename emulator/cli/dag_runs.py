"""Run one DAG on a running environment through the MWAA API's InvokeRestApi, as a user's CI job
would with boto3: wait until Airflow has parsed it, trigger it with a conf, follow its tasks'
states and log lines as they come, and collect how it ended (each task's state and log, and
the tasks' return values). `mwaa-local test` and the pytest plugin are its two faces."""

from __future__ import annotations

import ast
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from emulator.model.errors import MwaaLocalError
from emulator.service.airflow_rest import AirflowRest, parsed_time

RUN_FINISHED = frozenset({"success", "failed"})
TASK_FINISHED = frozenset({"success", "failed", "skipped", "upstream_failed", "removed"})
# Where the DAG folder is on MWAA: Airflow's file locations start with it.
AIRFLOW_HOME = "/usr/local/airflow/"
POLL_SECONDS = 1.0
LOG_SETTLE_SECONDS = 15.0
NO_STREAM_YET = "No log stream found in CloudWatch"


class DagTestError(MwaaLocalError):
    """The DAG could not be run: not found in time, or its file does not import."""


@dataclass
class TaskOutcome:
    """One task instance (a mapped task has one per map index) as the run left it."""

    task_id: str
    map_index: int
    state: str | None
    try_number: int
    log: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.task_id if self.map_index < 0 else f"{self.task_id}[{self.map_index}]"


@dataclass
class RunOutcome:
    """How a DAG run ended: its state, its tasks by name (`task` or `task[2]` for a map index),
    and the unmapped tasks' return values (XCom `return_value`) by task id."""

    dag_id: str
    run_id: str
    state: str
    tasks: dict[str, TaskOutcome]
    xcoms: dict[str, Any]

    @property
    def succeeded(self) -> bool:
        return self.state == "success"

    @property
    def failed_tasks(self) -> list[TaskOutcome]:
        return [task for task in self.tasks.values() if task.state in ("failed", "upstream_failed")]


@dataclass(frozen=True)
class RunEvents:
    """What a caller shows while the run goes on: a task's new state, a task's new log line."""

    on_state: Callable[[TaskOutcome], None] = lambda task: None
    on_line: Callable[[TaskOutcome, str], None] = lambda task, line: None


def log_lines(content: Any) -> list[str]:
    """A log endpoint's `content` as lines: Airflow 3 answers structured events, Airflow 2 a
    text, or the text of a list of (host, text) pairs."""
    if isinstance(content, list):
        return [line for item in content for line in event_lines(item)]
    text = str(content or "")
    if text.startswith("[("):
        try:
            pairs = ast.literal_eval(text)
        except (SyntaxError, ValueError):
            pass
        else:
            text = "\n".join(str(pair[1]) for pair in pairs if isinstance(pair, tuple) and len(pair) == 2)
    return text.splitlines()


def event_lines(item: Any) -> list[str]:
    if not isinstance(item, dict):
        return str(item).splitlines()
    event = str(item.get("event", ""))
    if event.startswith(("::group::", "::endgroup::")):
        return []
    if item.get("timestamp"):
        level = str(item.get("level", "")).upper()
        event = f"[{item['timestamp']}] {level} - {event}" if level else f"[{item['timestamp']}] {event}"
    return event.splitlines() + exception_lines(item.get("error_detail"))


def exception_lines(detail: Any) -> list[str]:
    """Airflow 3 logs a task's exception as data (each chained exception's type, value and
    frames): shown the way Python prints it, innermost frame last."""
    if not isinstance(detail, list):
        return []
    shown = []
    for exception in (entry for entry in detail if isinstance(entry, dict)):
        shown.append("Traceback (most recent call last):")
        shown += [
            f'  File "{frame.get("filename")}", line {frame.get("lineno")}, in {frame.get("name")}'
            for frame in exception.get("frames") or []
            if isinstance(frame, dict)
        ]
        shown.append(f"{exception.get('exc_type')}: {exception.get('exc_value')}")
    return shown


def has_body(lines: list[str]) -> bool:
    """Whether a log holds a line besides the headers Airflow's handlers put first
    (`Reading remote log from …`, Airflow 2's `*** …`)."""
    return any(not line.startswith(("Reading remote log", "***", "::")) for line in lines)


def common_prefix(first: list[str], second: list[str]) -> int:
    """How many leading lines the two have in common."""
    count = 0
    for one, other in zip(first, second, strict=False):
        if one != other:
            break
        count += 1
    return count


def workspace_path(fileloc: str) -> str:
    """`/usr/local/airflow/dags/x.py` → `dags/x.py`, the bucket key deploy uploaded it to."""
    return fileloc.removeprefix(AIRFLOW_HOME)


class DagRunner(AirflowRest):
    """One environment's DAGs, through InvokeRestApi (Airflow 2's /api/v1, 3's /api/v2)."""

    error = DagTestError

    def import_error(self, files: set[str], since: float) -> str | None:
        """The newest import error of one of `files` (bucket keys) recorded after `since`."""
        _, answer = self.call("GET", "/importErrors", QueryParameters={"limit": 100})
        for error in answer.get("import_errors", []):
            name = workspace_path(str(error.get("filename", "")))
            key = name if name.startswith("dags/") else f"dags/{name}"
            if key in files and (parsed_time(error.get("timestamp")) or 0) >= since:
                return f"{key}: {error.get('stack_trace', '').strip()}"
        return None

    def wait_parsed(self, dag_id: str, uploaded: set[str], since: float, timeout: float) -> dict[str, Any]:
        """Wait until Airflow lists the DAG and, when its file was just uploaded, has parsed
        that upload; DagTestError when the upload does not import or time runs out."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.dag(dag_id)
            if found is not None:
                parsed = parsed_time(found.get("last_parsed_time")) or 0
                if workspace_path(str(found.get("fileloc", ""))) not in uploaded or parsed >= since:
                    return found
            broken = self.import_error(uploaded, since) if uploaded else None
            if broken:
                raise DagTestError(
                    f"The DAG file does not import:\n{broken}", hint="`mwaa-local parse` checks it locally."
                )
            if time.monotonic() > deadline:
                raise DagTestError(
                    f"Airflow has not parsed DAG {dag_id} after {timeout:.0f} s.",
                    hint="Is the dag_id right? `mwaa-local parse` lists the workspace's import errors; the "
                    "environment's DAG folder scan interval (`--timings`) says how soon a new file is seen.",
                )
            time.sleep(POLL_SECONDS)

    def task_log(self, dag_id: str, run_id: str, task: TaskOutcome) -> list[str]:
        query: dict[str, Any] = {"full_content": True}
        if task.map_index >= 0:
            query["map_index"] = task.map_index
        path = f"{self.run_path(dag_id, run_id)}/taskInstances/{quote(task.task_id)}/logs/{task.try_number}"
        status, answer = self.call("GET", path, ok=(200, 404), QueryParameters=query)
        lines = log_lines(answer.get("content")) if status == 200 and isinstance(answer, dict) else []
        # Until the worker ships it, the amazon provider's handler answers a line saying so (with
        # the time of asking): not part of the log.
        return [line for line in lines if NO_STREAM_YET not in line]

    def follow(self, dag_id: str, run_id: str, events: RunEvents, timeout: float) -> RunOutcome:
        """Poll the run until it finishes, reporting each task's new state and new log lines."""
        tasks: dict[str, TaskOutcome] = {}
        deadline = time.monotonic() + timeout
        while True:
            _, run = self.call("GET", self.run_path(dag_id, run_id))
            state = str(run.get("state"))
            self.update_tasks(dag_id, run_id, tasks, events)
            if state in RUN_FINISHED:
                self.settle_logs(dag_id, run_id, tasks, events)
                return RunOutcome(dag_id, run_id, state, tasks, self.return_values(dag_id, run_id, tasks))
            if time.monotonic() > deadline:
                raise DagTestError(
                    f"DAG run {dag_id}/{run_id} has not finished after {timeout:.0f} s (it is {state}).",
                    hint="The run goes on in the environment; `--timeout` waits longer.",
                )
            time.sleep(POLL_SECONDS)

    def update_tasks(self, dag_id: str, run_id: str, tasks: dict[str, TaskOutcome], events: RunEvents) -> None:
        for instance in self.task_instances(dag_id, run_id):
            found = TaskOutcome(instance["task_id"], int(instance.get("map_index", -1)), None, 0)
            task = tasks.setdefault(found.name, found)
            state, try_number = instance.get("state"), int(instance.get("try_number") or 0)
            if try_number != task.try_number:
                task.try_number, task.log = try_number, []
            if state != task.state:
                task.state = state
                events.on_state(task)
            if try_number and state not in (None, "scheduled", "queued"):
                self.refresh_log(dag_id, run_id, task, events)

    def refresh_log(self, dag_id: str, run_id: str, task: TaskOutcome, events: RunEvents) -> bool:
        """Read the task's log again and report the lines after what it had in common with the
        last reading (a log read before it reached the Task group is replaced, not extended);
        whether it changed."""
        lines = self.task_log(dag_id, run_id, task)
        if lines == task.log:
            return False
        for line in lines[common_prefix(lines, task.log) :]:
            events.on_line(task, line)
        task.log = lines
        return True

    def settle_logs(self, dag_id: str, run_id: str, tasks: dict[str, TaskOutcome], events: RunEvents) -> None:
        """A task's state is final before its worker has shipped the last of its log: read the
        logs of the tasks that ran until each has lines of its own (not only the handler's
        header) and a second's wait brings nothing new, for at most LOG_SETTLE_SECONDS."""
        ran = [task for task in tasks.values() if task.try_number and task.state in TASK_FINISHED]
        deadline = time.monotonic() + LOG_SETTLE_SECONDS
        while ran and time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
            changed = [self.refresh_log(dag_id, run_id, task, events) for task in ran]
            if not any(changed) and all(has_body(task.log) for task in ran):
                return

    def return_values(self, dag_id: str, run_id: str, tasks: dict[str, TaskOutcome]) -> dict[str, Any]:
        found = {}
        for task in tasks.values():
            if task.state != "success" or task.map_index >= 0:
                continue
            path = f"{self.run_path(dag_id, run_id)}/taskInstances/{quote(task.task_id)}/xcomEntries/return_value"
            status, answer = self.call("GET", path, ok=(200, 404))
            if status == 200:
                found[task.task_id] = xcom_value(answer.get("value"))
        return found


def xcom_value(value: Any) -> Any:
    """Airflow 3 answers the value; Airflow 2 its text (`str()` of it), read back when it is a
    Python literal."""
    if not isinstance(value, str):
        return value
    try:
        return ast.literal_eval(value)
    except (SyntaxError, ValueError):
        return value
