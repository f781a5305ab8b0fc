"""The DAG processor's log files followed as MWAA ships them: a stream per DAG file (Airflow 2's
and 3's folders), only lines at or above the level, Airflow 3's JSON written as text, nothing of
what was there before the follower started, and the tag the control plane routes by."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

from emulator.container.runtime.dag_processing_logs import MARKER, DagProcessingLogs
from emulator.model.container_contract import DAG_PROCESSING_MARKER

AIRFLOW_2_ERROR = "[2026-12-05T06:04:31.557+0000] {processor.py:182} ERROR - Failed to import: /dags/broken.py"


def follower(folder: Path, minimum: int = logging.INFO) -> tuple[DagProcessingLogs, io.StringIO]:
    out = io.StringIO()
    return DagProcessingLogs(str(folder), minimum, out), out


def write(path: Path, *lines: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        handle.writelines(f"{line}\n" for line in lines)


def test_the_container_and_the_control_plane_agree_on_the_tag() -> None:
    assert MARKER == DAG_PROCESSING_MARKER


def test_each_dag_files_lines_go_to_its_own_stream_on_both_airflow_layouts(tmp_path: Path) -> None:
    logs, out = follower(tmp_path)
    write(tmp_path / "scheduler/2026-12-05/sub/broken.py.log", AIRFLOW_2_ERROR, "Traceback (most recent call last):")
    structured = {
        "timestamp": "2026-12-05T06:03:55.006353Z",
        "level": "error",
        "event": "Failed to import: /usr/local/airflow/dags/other.py",
        "filename": "dagbag.py",
        "lineno": 460,
    }
    write(tmp_path / "dag_processor/2026-12-05/dags-folder/other.py.log", json.dumps(structured))
    write(tmp_path / "dag_processor_manager/dag_processor_manager.log", "[x] {manager.py:1} WARNING - slow")
    (tmp_path / "scheduler/latest").symlink_to(tmp_path / "scheduler/2026-12-05")
    assert logs.poll() == 4
    assert sorted(out.getvalue().splitlines()) == sorted(
        [
            f"dag_processing[sub/broken.py.log] ERROR: {AIRFLOW_2_ERROR}",
            "dag_processing[sub/broken.py.log] ERROR: Traceback (most recent call last):",
            "dag_processing[other.py.log] ERROR: [2026-12-05T06:03:55.006353Z] {dagbag.py:460} ERROR - "
            "Failed to import: /usr/local/airflow/dags/other.py",
            "dag_processing[dag_processor_manager.log] WARNING: [x] {manager.py:1} WARNING - slow",
        ]
    ), "the `latest` link is not followed twice"


def test_lines_below_the_level_are_dropped_and_a_traceback_keeps_its_lines_level(tmp_path: Path) -> None:
    logs, out = follower(tmp_path, logging.WARNING)
    path = tmp_path / "scheduler/2026-12-05/a.py.log"
    write(
        path,
        "[t] {processor.py:1} INFO - Processing a.py",
        "  an INFO line's continuation",
        AIRFLOW_2_ERROR,
        "  File x",
    )
    logs.poll()
    assert out.getvalue().splitlines() == [
        f"dag_processing[a.py.log] ERROR: {AIRFLOW_2_ERROR}",
        "dag_processing[a.py.log] ERROR:   File x",
    ]


def test_only_whole_new_lines_are_shipped_once_and_history_never(tmp_path: Path) -> None:
    old = tmp_path / "scheduler/2026-12-05/a.py.log"
    write(old, "[t] {p:1} ERROR - before the follower started")
    logs, out = follower(tmp_path)
    logs.start_at_the_end()
    assert logs.poll() == 0
    with old.open("a") as handle:
        handle.write("[t] {p:1} ERROR - half")
    assert logs.poll() == 0, "a line is shipped when it is whole"
    with old.open("a") as handle:
        handle.write(" a line\n")
    assert logs.poll() == 1 and logs.poll() == 0
    old.write_text("[t] {p:1} ERROR - rotated\n")
    assert logs.poll() == 1
    assert out.getvalue().splitlines() == [
        "dag_processing[a.py.log] ERROR: [t] {p:1} ERROR - half a line",
        "dag_processing[a.py.log] ERROR: [t] {p:1} ERROR - rotated",
    ]


def test_airflow_3s_structured_exception_is_written_as_a_python_traceback(tmp_path: Path) -> None:
    logs, out = follower(tmp_path)
    failure = {
        "timestamp": "2026-12-05T06:52:56.576122Z",
        "level": "error",
        "event": "Failed to import: /usr/local/airflow/dags/broken.py",
        "filename": "python_importer.py",
        "lineno": 244,
        "exception": [
            {
                "exc_type": "RuntimeError",
                "exc_value": "broken cannot be imported",
                "frames": [{"filename": "/usr/local/airflow/dags/broken.py", "lineno": 3, "name": "<module>"}],
            }
        ],
    }
    write(tmp_path / "dag_processor/2026-12-05/dags-folder/broken.py.log", json.dumps(failure))
    logs.poll()
    assert out.getvalue().splitlines() == [
        "dag_processing[broken.py.log] ERROR: [2026-12-05T06:52:56.576122Z] {python_importer.py:244} ERROR - "
        "Failed to import: /usr/local/airflow/dags/broken.py",
        "dag_processing[broken.py.log] ERROR: Traceback (most recent call last):",
        'dag_processing[broken.py.log] ERROR:   File "/usr/local/airflow/dags/broken.py", line 3, in <module>',
        "dag_processing[broken.py.log] ERROR: RuntimeError: broken cannot be imported",
    ]


def test_airflow_2s_captured_output_has_the_level_of_the_line_it_captured(tmp_path: Path) -> None:
    logs, out = follower(tmp_path, logging.WARNING)
    captured = (
        "[2026-12-05T07:05:33.264+0000] {logging_mixin.py:190} INFO - [2026-12-05T07:05:33.263+0000] "
        "{dagbag.py:387} ERROR - Failed to import: /usr/local/airflow/dags/broken.py"
    )
    filling = "[t] {logging_mixin.py:190} INFO - [t] {dagbag.py:588} INFO - Filling up the DagBag"
    write(tmp_path / "scheduler/2026-12-05/broken.py.log", filling, captured, "RuntimeError: broken")
    logs.poll()
    assert out.getvalue().splitlines() == [
        f"dag_processing[broken.py.log] ERROR: {captured}",
        "dag_processing[broken.py.log] ERROR: RuntimeError: broken",
    ]


def test_only_the_newest_two_days_are_walked(tmp_path: Path) -> None:
    for day in ("2026-12-03", "2026-12-04", "2026-12-05"):
        write(tmp_path / "scheduler" / day / "a.py.log", f"{AIRFLOW_2_ERROR} {day}")
    logs, _ = follower(tmp_path)
    walked = sorted(path.split("/scheduler/")[1] for path, _ in logs.log_files())
    assert walked == ["2026-12-04/a.py.log", "2026-12-05/a.py.log"]
