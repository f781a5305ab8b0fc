"""A workflow's task logs in its `LoggingConfiguration.LogGroupName` (docs/reference.md §24): the
engine writes each task's log to its own Task group, as an environment's workers do; once a task
has ended, its events are copied to the workflow's group under a stream of the run's, which
GetTaskInstance names as its `LogStream`."""

from __future__ import annotations

from typing import Any

from emulator.model.aws_services import BY_CLIENT
from emulator.model.log_groups import RETENTION_DAYS, log_group_name
from emulator.model.serverless.engine import ENGINE_NAME
from emulator.service.aws.backends import MotoBackends

ENGINE_TASK_GROUP = log_group_name(ENGINE_NAME, "TaskLogs")


def engine_stream_prefix(dag_id: str, run_id: str, task_id: str) -> str:
    """Airflow's log path of a task's attempts, which the engine's Task group names its streams by."""
    return f"dag_id={dag_id}/run_id={run_id}/task_id={task_id}/"


def workflow_stream(run_id: str, task_id: str, attempt: int) -> str:
    return f"{run_id}_{task_id}_{attempt}"


class WorkflowLogs:
    def __init__(self, backends: MotoBackends) -> None:
        self.backends = backends

    def copy(self, dag_id: str, run_id: str, task_id: str, attempt: int, group: str) -> str | None:
        """Copy an ended task's log to `group`; the stream, or None while the engine has not
        shipped it yet."""
        logs = self.backends.backend(BY_CLIENT["logs"])
        prefix = engine_stream_prefix(dag_id, run_id, task_id)
        with self.backends.lock:
            source = logs.groups.get(ENGINE_TASK_GROUP)
            names = [name for name in (source.streams if source else {}) if name.startswith(prefix)]
            chosen = next((name for name in names if name.endswith(f"attempt={attempt}.log")), None)
            if source is None or chosen is None:
                return None
            events: list[dict[str, Any]] = [
                {"timestamp": event.timestamp, "message": event.message} for event in source.streams[chosen].events
            ]
            if not events:
                return None
            if group not in logs.groups:
                logs.create_log_group(group, tags={})
                logs.put_retention_policy(group, RETENTION_DAYS)
            stream = workflow_stream(run_id, task_id, attempt)
            if stream not in logs.groups[group].streams:
                logs.create_log_stream(group, stream)
                logs.put_log_events(group, stream, events)
        self.backends.changed()
        return stream
