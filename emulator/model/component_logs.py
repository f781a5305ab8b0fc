"""Where a line an Airflow container prints goes in CloudWatch Logs, as MWAA ships it
(docs/reference.md §16, §21): the group of its component's log type, a stream named after the
component and its host (`scheduler_<ip>`, `worker_<ip>`, `webserver_<ip>`), pip's and the startup
script's output in streams of their own (`requirements_install_<ip>`,
`startup_script_execution_<ip>`), the DAG processor's log files in the DAGProcessing group (a
stream per DAG file), and only at or above the type's LogLevel.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from emulator.model.container_contract import DAG_PROCESSING_MARKER, REQUIREMENTS_STREAM, STARTUP_SCRIPT_STREAM
from emulator.model.log_groups import enabled, log_group_name, log_level
from emulator.model.record import EnvironmentRecord

# Each compose service running Airflow: its log type and the name its streams start with.
# mw1.micro's hybrid container logs as the scheduler; its installs go to the Worker group.
COMPONENTS = {
    "scheduler": ("SchedulerLogs", "scheduler"),
    "hybrid": ("SchedulerLogs", "scheduler"),
    "worker": ("WorkerLogs", "worker"),
    "webserver": ("WebserverLogs", "webserver"),
    "api-server": ("WebserverLogs", "webserver"),
}
INSTALL_LOG_TYPE = {"hybrid": "WorkerLogs"}
# The containers whose DAG processing's log files are shipped (emulator/container/runtime/dag_processing_logs.py).
DAG_PROCESSING_SERVICES = frozenset({"scheduler", "hybrid"})
DAG_PROCESSING = "DagProcessingLogs"
LEVELS = {"DEBUG": 10, "INFO": 20, "WARNING": 30, "WARN": 30, "ERROR": 40, "EXCEPTION": 40, "CRITICAL": 50}
# A level as Airflow 2 (`} INFO -`), Airflow 3's structlog (`[info     ]`), Celery (`: INFO/`) and
# gunicorn (`[INFO]`) print it, near the start of the line.
_LEVEL = re.compile(r"[\[\s{/:](DEBUG|INFO|WARNING|WARN|ERROR|EXCEPTION|CRITICAL)[\]\s/:-]", re.IGNORECASE)
_INSTALL = re.compile(rf"({REQUIREMENTS_STREAM}|{STARTUP_SCRIPT_STREAM})(?:_[\w.-]+)?: ?(.*)")
_DAG_PROCESSING = re.compile(rf"{DAG_PROCESSING_MARKER}\[([^\]]+)\] (DEBUG|INFO|WARNING|ERROR|CRITICAL): ?(.*)")


@dataclass(frozen=True)
class Routed:
    log_type: str
    stream: str
    level: int
    message: str


def level_of(text: str) -> int | None:
    found = _LEVEL.search(text[:120])
    return LEVELS[found[1].upper()] if found else None


def route(service: str, host: str, text: str, previous_level: int) -> Routed | None:
    """Where one line of `service`'s container goes; None for a container that runs no Airflow
    component. A line with no level (a traceback's, a continuation) keeps the previous line's."""
    if service not in COMPONENTS:
        return None
    log_type, component = COMPONENTS[service]
    processing = _DAG_PROCESSING.fullmatch(text) if service in DAG_PROCESSING_SERVICES else None
    if processing is not None:  # the stream is the DAG file's, the level the one the source read
        return Routed(DAG_PROCESSING, processing[1], LEVELS[processing[2]], processing[3])
    install = _INSTALL.fullmatch(text)
    if install is not None:
        return Routed(INSTALL_LOG_TYPE.get(service, log_type), f"{install[1]}_{host}", LEVELS["INFO"], install[2])
    level = level_of(text)
    return Routed(log_type, f"{component}_{host}", previous_level if level is None else level, text)


def followed(record: EnvironmentRecord, service: str) -> bool:
    """Whether any line of the service's container can be shipped: its type or its installs' is
    enabled (MWAA's default, Task logs alone, follows none)."""
    if service not in COMPONENTS:
        return False
    log_type = COMPONENTS[service][0]
    processing = service in DAG_PROCESSING_SERVICES and enabled(record, DAG_PROCESSING)
    return processing or enabled(record, log_type) or enabled(record, INSTALL_LOG_TYPE.get(service, log_type))


def shipped(record: EnvironmentRecord, routed: Routed) -> str | None:
    """The group a routed line goes to, or None when its type is disabled or its level below the
    type's LogLevel."""
    if not enabled(record, routed.log_type):
        return None
    if routed.level < LEVELS[log_level(record, routed.log_type).upper()]:
        return None
    return log_group_name(record.name, routed.log_type)
