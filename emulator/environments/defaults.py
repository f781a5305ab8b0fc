"""What MWAA fills in when CreateEnvironment leaves a member out (reference §3.2), plus the
local stand-ins for the members MWAA requires but that mean nothing on one machine."""

from __future__ import annotations

from typing import Any

from emulator import versions
from emulator.environments.classes import CLASSES, DEFAULT_CLASS
from emulator.settings import ACCOUNT_ID

DEFAULT_NAME = "local"
DEFAULT_BUCKET = "mwaa-local"
LOG_TYPES = ("DagProcessingLogs", "SchedulerLogs", "WebserverLogs", "WorkerLogs", "TaskLogs")


def default_bucket(name: str) -> str:
    """Each environment gets a bucket of its own unless it names one: deploys mirror deletions,
    so two environments sharing a DAG folder would delete each other's DAGs."""
    if name == DEFAULT_NAME:
        return DEFAULT_BUCKET
    return f"{DEFAULT_BUCKET}-{name.lower().replace('_', '-')}"[:63].rstrip("-")


def logging_defaults() -> dict[str, dict[str, Any]]:
    """Task logs on at INFO, the other four log types off: MWAA's default."""
    return {kind: {"Enabled": kind == "TaskLogs", "LogLevel": "INFO"} for kind in LOG_TYPES}


def apply_defaults(given: dict[str, Any]) -> dict[str, Any]:
    """The full record: `given` (CreateEnvironment members) over MWAA's defaults for its class."""
    class_name = given.get("EnvironmentClass", DEFAULT_CLASS)
    spec = CLASSES.get(class_name, CLASSES[DEFAULT_CLASS])
    name = str(given.get("Name") or DEFAULT_NAME)
    record: dict[str, Any] = {
        "Name": name,
        "ExecutionRoleArn": f"arn:aws:iam::{ACCOUNT_ID}:role/mwaa-local-execution-role",
        "SourceBucketArn": f"arn:aws:s3:::{default_bucket(name)}",
        "DagS3Path": "dags",
        "NetworkConfiguration": {
            "SubnetIds": ["subnet-mwaa-local-a", "subnet-mwaa-local-b"],
            "SecurityGroupIds": ["sg-mwaa-local"],
        },
        "AirflowVersion": versions.default_version(),
        "EnvironmentClass": class_name,
        "MinWorkers": 1,
        "MaxWorkers": spec.default_max_workers,
        "Schedulers": spec.default_schedulers,
        "MinWebservers": spec.webservers_range[0],
        "MaxWebservers": spec.webservers_range[1],
        "WebserverAccessMode": "PRIVATE_ONLY",
        "AirflowConfigurationOptions": {},
    }
    record.update(given)
    logging = logging_defaults()
    for kind, settings in (given.get("LoggingConfiguration") or {}).items():
        logging[kind] = {**logging.get(kind, {}), **settings}
    record["LoggingConfiguration"] = logging
    return record
