"""Each line an Airflow container prints, routed as MWAA ships it: its group and stream, and
kept only at or above its log type's level."""

from __future__ import annotations

import pytest

from emulator.model.component_logs import LEVELS, Routed, followed, level_of, route, shipped
from emulator.model.record import build_record

INFO = LEVELS["INFO"]


@pytest.mark.parametrize(
    ("line", "level"),
    [
        ("[2026-12-05T03:00:00.000+0000] {scheduler_job_runner.py:123} INFO - Starting the scheduler", "INFO"),
        ("2026-12-05T03:00:00.123456Z [debug    ] Disposing DB connection pool [airflow.settings]", "DEBUG"),
        ("[2026-12-05 03:00:00,000: WARNING/MainProcess] a warning", "WARNING"),
        ("[2026-12-05 03:00:00 +0000] [12] [ERROR] Worker failed to boot.", "ERROR"),
        ("2026-12-05T03:00:00.1Z [critical ] gone", "CRITICAL"),
    ],
)
def test_levels_as_airflow_celery_and_gunicorn_print_them(line: str, level: str) -> None:
    assert level_of(line) == LEVELS[level]


def test_a_line_without_a_level_keeps_the_previous_ones() -> None:
    assert level_of('  File "/usr/local/airflow/dags/x.py", line 3, in <module>') is None
    routed = route("scheduler", "172.18.0.5", "Traceback (most recent call last):", LEVELS["ERROR"])
    assert routed == Routed(
        "SchedulerLogs", "scheduler_172.18.0.5", LEVELS["ERROR"], "Traceback (most recent call last):"
    )


def test_streams_are_named_after_the_component_and_host_and_installs_have_their_own() -> None:
    assert route("worker", "10.0.0.7", "x INFO - y", INFO).stream == "worker_10.0.0.7"  # type: ignore[union-attr]
    assert route("api-server", "10.0.0.8", "x INFO - y", INFO).log_type == "WebserverLogs"  # type: ignore[union-attr]
    pip = route("scheduler", "10.0.0.9", "requirements_install: Collecting boto3", INFO)
    assert pip == Routed("SchedulerLogs", "requirements_install_10.0.0.9", INFO, "Collecting boto3")
    startup = route("hybrid", "10.0.0.9", "startup_script_execution: hello", INFO)
    assert startup == Routed("WorkerLogs", "startup_script_execution_10.0.0.9", INFO, "hello")
    assert route("postgres", "10.0.0.2", "LOG: ready", INFO) is None


def test_a_line_is_shipped_only_when_its_type_is_enabled_and_at_its_level() -> None:
    record = build_record(
        {
            "Name": "dev",
            "LoggingConfiguration": {
                "SchedulerLogs": {"Enabled": True, "LogLevel": "INFO"},
                "WorkerLogs": {"Enabled": True, "LogLevel": "WARNING"},
            },
        }
    )

    def line(log_type: str, level: str) -> Routed:
        return Routed(log_type, "s", LEVELS[level], "m")

    assert shipped(record, line("SchedulerLogs", "INFO")) == "airflow-dev-Scheduler"
    assert shipped(record, line("SchedulerLogs", "DEBUG")) is None
    assert shipped(record, line("WorkerLogs", "INFO")) is None
    assert shipped(record, line("WorkerLogs", "ERROR")) == "airflow-dev-Worker"
    assert shipped(record, line("WebserverLogs", "CRITICAL")) is None, "disabled by default"


def test_only_containers_an_enabled_type_wants_are_followed() -> None:
    default = build_record({"Name": "dev"})  # MWAA's default: Task logs alone
    assert not [service for service in ("scheduler", "worker", "api-server", "hybrid") if followed(default, service)]
    workers = build_record(
        {"Name": "dev", "LoggingConfiguration": {"WorkerLogs": {"Enabled": True, "LogLevel": "INFO"}}}
    )
    assert [s for s in ("scheduler", "worker", "api-server", "hybrid", "postgres") if followed(workers, s)] == [
        "worker",
        "hybrid",  # its installs are the Worker group's
    ]


def test_the_dag_processors_lines_go_to_the_dag_processing_group_under_their_files_stream() -> None:
    tagged = (
        "dag_processing[sub/broken.py.log] ERROR: [t] {processor.py:182} ERROR - Failed to import: /dags/sub/broken.py"
    )
    routed = route("scheduler", "10.0.0.9", tagged, INFO)
    assert routed == Routed(
        "DagProcessingLogs",
        "sub/broken.py.log",
        LEVELS["ERROR"],
        "[t] {processor.py:182} ERROR - Failed to import: /dags/sub/broken.py",
    )
    continued = route("scheduler", "10.0.0.9", "dag_processing[a.py.log] ERROR:   File x", INFO)
    assert continued == Routed("DagProcessingLogs", "a.py.log", LEVELS["ERROR"], "  File x"), "the level it names"
    assert route("worker", "10.0.0.7", tagged, INFO).log_type == "WorkerLogs", "only DAG processing containers tag"  # type: ignore[union-attr]
    record = build_record(
        {"Name": "dev", "LoggingConfiguration": {"DagProcessingLogs": {"Enabled": True, "LogLevel": "WARNING"}}}
    )
    assert shipped(record, routed) == "airflow-dev-DAGProcessing"  # type: ignore[arg-type]
    assert [s for s in ("scheduler", "worker", "api-server", "hybrid") if followed(record, s)] == [
        "scheduler",
        "hybrid",
    ]
