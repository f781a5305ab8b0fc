"""An environment's CloudWatch log groups (docs/reference.md §16, §21): one per log type of its
LoggingConfiguration, `airflow-{Name}-{Type}`, each with `Enabled` and a `LogLevel`."""

from __future__ import annotations

from emulator.model.account import ACCOUNT_ID, DEFAULT_REGION
from emulator.model.record import EnvironmentRecord

LOG_GROUP_SUFFIX = {
    "DagProcessingLogs": "DAGProcessing",
    "SchedulerLogs": "Scheduler",
    "TaskLogs": "Task",
    "WebserverLogs": "WebServer",
    "WorkerLogs": "Worker",
}
# How long the region keeps a log event (mwaa-local's own: MWAA's groups never expire, but a
# laptop's disk and the control plane's memory are not CloudWatch's). put-retention-policy changes it.
RETENTION_DAYS = 7


def log_group_name(environment: str, log_type: str) -> str:
    return f"airflow-{environment}-{LOG_GROUP_SUFFIX[log_type]}"


def log_group_arn(record: EnvironmentRecord, log_type: str) -> str:
    """`airflow-{Name}-{Type}` in the local account and region."""
    return f"arn:aws:logs:{DEFAULT_REGION}:{ACCOUNT_ID}:log-group:{log_group_name(record.name, log_type)}"


def log_settings(record: EnvironmentRecord, log_type: str) -> dict[str, object]:
    return dict((record.fields.get("LoggingConfiguration") or {}).get(log_type) or {})


def enabled(record: EnvironmentRecord, log_type: str) -> bool:
    return bool(log_settings(record, log_type).get("Enabled"))


def log_level(record: EnvironmentRecord, log_type: str) -> str:
    return str(log_settings(record, log_type).get("LogLevel", "INFO"))


def enabled_groups(record: EnvironmentRecord) -> list[str]:
    """The names of the groups the environment writes to."""
    return [log_group_name(record.name, log_type) for log_type in LOG_GROUP_SUFFIX if enabled(record, log_type)]
