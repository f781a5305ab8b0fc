"""Running a DAG through InvokeRestApi (emulator/cli/dag_runs.py), against a scripted Airflow:
the log endpoint's two shapes, waiting for the parse of what was just uploaded, an upload that
does not import, and a run followed to its end with each state and new log line reported once."""

from __future__ import annotations

from typing import Any, cast

import pytest

from emulator.cli import dag_runs
from emulator.cli.dag_runs import DagRunner, DagTestError, RunEvents, TaskOutcome, log_lines, xcom_value
from emulator.service.control_plane_client import ControlPlaneClient

UPLOADED_AT = 1_000_000.0


class ScriptedAirflow:
    """Answers InvokeRestApi calls from a table of (method, path) → a list of answers, the last
    one repeated; records every call."""

    def __init__(self, answers: dict[tuple[str, str], list[tuple[int, Any]]]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    def rest(self, name: str, method: str, path: str, **members: Any) -> tuple[int, Any]:
        self.calls.append((method, path, members))
        queue = self.answers[(method, path)]
        return queue.pop(0) if len(queue) > 1 else queue[0]


def runner(answers: dict[tuple[str, str], list[tuple[int, Any]]], family: int = 3) -> tuple[DagRunner, ScriptedAirflow]:
    airflow = ScriptedAirflow(answers)
    return DagRunner(cast(ControlPlaneClient, airflow), "local", family), airflow


@pytest.fixture(autouse=True)
def no_sleeping(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dag_runs.time, "sleep", lambda seconds: None)


def test_airflow_3_log_events_become_lines_without_the_group_markers() -> None:
    content = [
        {"event": "::group::Log message source details", "sources": ["/logs/x.log"]},
        {"event": "::endgroup::"},
        {"timestamp": "2026-12-05T09:00:00Z", "level": "info", "event": "extracting for CI"},
        {"event": "no time"},
    ]
    assert log_lines(content) == ["[2026-12-05T09:00:00Z] INFO - extracting for CI", "no time"]


def test_airflow_3_exceptions_are_shown_as_python_prints_them() -> None:
    frames = [{"filename": "/usr/local/airflow/dags/d.py", "lineno": 12, "name": "boom"}]
    event = {
        "timestamp": "2026-12-05T09:00:00Z",
        "level": "error",
        "event": "Task failed with exception",
        "error_detail": [{"exc_type": "RuntimeError", "exc_value": "failing on purpose", "frames": frames}],
    }
    assert log_lines([event]) == [
        "[2026-12-05T09:00:00Z] ERROR - Task failed with exception",
        "Traceback (most recent call last):",
        '  File "/usr/local/airflow/dags/d.py", line 12, in boom',
        "RuntimeError: failing on purpose",
    ]


def test_airflow_2_log_text_and_host_pairs_become_lines() -> None:
    assert log_lines("line one\nline two") == ["line one", "line two"]
    assert log_lines("[('worker-1', '*** Found log\\nextracting for CI')]") == ["*** Found log", "extracting for CI"]
    assert log_lines(None) == []


def test_xcom_values_from_airflow_2_text_are_read_back() -> None:
    assert xcom_value("{'name': 'CI', 'rows': 3}") == {"name": "CI", "rows": 3}
    assert xcom_value("Hello, CI: 3 rows") == "Hello, CI: 3 rows"
    assert xcom_value({"name": "CI"}) == {"name": "CI"}


def test_waiting_ends_once_the_upload_of_the_dags_file_is_parsed() -> None:
    older = {"dag_id": "d", "fileloc": "/usr/local/airflow/dags/d.py", "last_parsed_time": "1970-01-12T13:46:39+00:00"}
    newer = {**older, "last_parsed_time": "1970-01-12T13:46:41+00:00"}
    dags_runner, airflow = runner(
        {
            ("GET", "/dags/d"): [(404, {"detail": "not found"}), (200, older), (200, newer)],
            ("GET", "/importErrors"): [(200, {"import_errors": []})],
        }
    )
    found = dags_runner.wait_parsed("d", {"dags/d.py"}, UPLOADED_AT, timeout=60)
    assert found == newer
    assert [call[1] for call in airflow.calls].count("/dags/d") == 3


def test_a_dag_whose_file_was_not_uploaded_needs_no_new_parse() -> None:
    parsed_long_ago = {"dag_id": "d", "fileloc": "/usr/local/airflow/dags/d.py", "last_parsed_time": None}
    dags_runner, _ = runner({("GET", "/dags/d"): [(200, parsed_long_ago)]})
    assert dags_runner.wait_parsed("d", {"dags/other.py"}, UPLOADED_AT, timeout=60) == parsed_long_ago


def test_an_upload_that_does_not_import_ends_the_wait_with_its_error() -> None:
    error = {"filename": "/usr/local/airflow/dags/d.py", "timestamp": "1970-01-12T13:46:45+00:00"}
    dags_runner, _ = runner(
        {
            ("GET", "/dags/d"): [(404, {})],
            ("GET", "/importErrors"): [(200, {"import_errors": [{**error, "stack_trace": "ValueError: x"}]})],
        }
    )
    with pytest.raises(DagTestError, match=r"does not import:\ndags/d.py: ValueError: x"):
        dags_runner.wait_parsed("d", {"dags/d.py"}, UPLOADED_AT, timeout=60)


def test_a_dag_never_parsed_times_out_with_what_to_check(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = iter(range(0, 1000, 10))
    monkeypatch.setattr(dag_runs.time, "monotonic", lambda: float(next(clock)))
    dags_runner, _ = runner({("GET", "/dags/d"): [(404, {})], ("GET", "/importErrors"): [(200, {})]})
    with pytest.raises(DagTestError, match="Airflow has not parsed DAG d after 30 s"):
        dags_runner.wait_parsed("d", {"dags/d.py"}, UPLOADED_AT, timeout=30)


@pytest.mark.parametrize(
    ("family", "body"),
    [
        (3, {"dag_run_id": "r", "conf": {"a": 1}, "logical_date": None}),
        (2, {"dag_run_id": "r", "conf": {"a": 1}}),
    ],
)
def test_triggering_unpauses_and_sends_each_versions_body(family: int, body: dict[str, Any]) -> None:
    answers: dict[tuple[str, str], list[tuple[int, Any]]] = {
        ("PATCH", "/dags/d"): [(200, {})],
        ("POST", "/dags/d/dagRuns"): [(200, {})],
    }
    dags_runner, airflow = runner(answers, family)
    dags_runner.trigger("d", "r", {"a": 1})
    assert airflow.calls == [
        ("PATCH", "/dags/d", {"Body": {"is_paused": False}}),
        ("POST", "/dags/d/dagRuns", {"Body": body}),
    ]


def test_a_refused_call_says_what_airflow_answered() -> None:
    dags_runner, _ = runner({("PATCH", "/dags/d"): [(403, {"detail": "Forbidden"})]})
    with pytest.raises(DagTestError, match="HTTP 403 to PATCH /dags/d: Forbidden"):
        dags_runner.trigger("d", "r", {})


def test_following_a_run_reports_each_state_and_new_line_once_then_the_outcome() -> None:
    run = "/dags/d/dagRuns/r"
    log = f"{run}/taskInstances/t/logs/1"
    dags_runner, _ = runner(
        {
            ("GET", run): [(200, {"state": "running"}), (200, {"state": "running"}), (200, {"state": "failed"})],
            ("GET", f"{run}/taskInstances"): [
                (200, {"task_instances": [{"task_id": "t", "map_index": -1, "state": "queued", "try_number": 1}]}),
                (200, {"task_instances": [{"task_id": "t", "map_index": -1, "state": "running", "try_number": 1}]}),
                (200, {"task_instances": [{"task_id": "t", "map_index": -1, "state": "failed", "try_number": 1}]}),
            ],
            ("GET", log): [(200, {"content": "one"}), (200, {"content": "one\ntwo"})],
        }
    )
    states: list[str] = []
    lines: list[str] = []

    def on_state(task: TaskOutcome) -> None:
        states.append(f"{task.name}:{task.state}")

    def on_line(task: TaskOutcome, line: str) -> None:
        lines.append(f"{task.name}:{line}")

    outcome = dags_runner.follow("d", "r", RunEvents(on_state, on_line), timeout=60)
    assert states == ["t:queued", "t:running", "t:failed"]
    assert lines == ["t:one", "t:two"]
    assert outcome.state == "failed" and not outcome.succeeded
    assert [task.name for task in outcome.failed_tasks] == ["t"] and outcome.tasks["t"].log == ["one", "two"]
    assert outcome.xcoms == {}, "a failed task has no return value to read"


def test_a_log_read_before_it_was_shipped_is_replaced_and_read_until_it_settles() -> None:
    run = "/dags/d/dagRuns/r"
    header = "Reading remote log from Cloudwatch"
    not_yet = "[2026-12-05T09:40:29Z] No log stream found in CloudWatch (log_group=g). The task may have…"
    dags_runner, _ = runner(
        {
            ("GET", run): [(200, {"state": "success"})],
            ("GET", f"{run}/taskInstances"): [
                (200, {"task_instances": [{"task_id": "t", "map_index": -1, "state": "success", "try_number": 1}]})
            ],
            ("GET", f"{run}/taskInstances/t/logs/1"): [
                (200, {"content": f"{header}\n{not_yet}"}),
                (200, {"content": header}),  # nothing new, but nothing of its own yet either
                (200, {"content": f"{header}\none"}),
                (200, {"content": f"{header}\none\ntwo"}),
            ],
            ("GET", f"{run}/taskInstances/t/xcomEntries/return_value"): [(200, {"value": 1})],
        }
    )
    lines: list[str] = []
    outcome = dags_runner.follow("d", "r", RunEvents(on_line=lambda task, line: lines.append(line)), timeout=60)
    assert lines == [header, "one", "two"], "each line once, the placeholder never"
    assert outcome.tasks["t"].log == [header, "one", "two"] and outcome.xcoms == {"t": 1}
