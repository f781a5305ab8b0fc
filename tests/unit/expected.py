"""What GetEnvironment answers, written out by hand as MWAA documents it: the expectations several
unit tests compare mwaa-local's output with."""

from __future__ import annotations

from typing import Any


def default_logging_view(name: str) -> dict[str, Any]:
    """LoggingConfiguration of an environment created without one: Task logs at INFO only, with
    the Task group's ARN (docs/reference.md §16)."""
    return {
        "DagProcessingLogs": {"Enabled": False, "LogLevel": "INFO"},
        "SchedulerLogs": {"Enabled": False, "LogLevel": "INFO"},
        "WebserverLogs": {"Enabled": False, "LogLevel": "INFO"},
        "WorkerLogs": {"Enabled": False, "LogLevel": "INFO"},
        "TaskLogs": {
            "Enabled": True,
            "LogLevel": "INFO",
            "CloudWatchLogGroupArn": f"arn:aws:logs:us-east-1:000000000000:log-group:airflow-{name}-Task",
        },
    }
