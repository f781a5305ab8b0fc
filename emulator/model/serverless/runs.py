"""A workflow run and its task instances as MWAA Serverless reports them (docs/reference.md §24):
STARTING (the engine is being started), QUEUED, RUNNING, then SUCCESS, FAILED or TIMEOUT; a stopped
run goes STOPPING → STOPPED. The engine's Airflow states map onto the model's enums.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass, field
from typing import Any

STARTING, QUEUED, RUNNING = "STARTING", "QUEUED", "RUNNING"
SUCCESS, FAILED, TIMEOUT = "SUCCESS", "FAILED", "TIMEOUT"
STOPPING, STOPPED = "STOPPING", "STOPPED"
ACTIVE = frozenset({STARTING, QUEUED, RUNNING, STOPPING})
ON_DEMAND, SCHEDULED = "ON_DEMAND", "SCHEDULED"

DAG_RUN_STATES = {"queued": QUEUED, "running": RUNNING, "success": SUCCESS, "failed": FAILED}
# Airflow's task states by the model's TaskInstanceStatus; a skipped task is CANCELLED (the enum
# has no SKIPPED), one not scheduled yet NONE.
TASK_STATES = {
    None: "NONE",
    "none": "NONE",
    "scheduled": "SCHEDULED",
    "queued": "QUEUED",
    "running": "RUNNING",
    "success": "SUCCESS",
    "failed": "FAILED",
    "up_for_retry": "UP_FOR_RETRY",
    "up_for_reschedule": "UP_FOR_RESCHEDULE",
    "upstream_failed": "UPSTREAM_FAILED",
    "removed": "REMOVED",
    "restarting": "RESTARTING",
    "deferred": "DEFERRED",
    "skipped": "CANCELLED",
}


def new_run_id() -> str:
    return uuid.uuid4().hex


@dataclass
class TaskInstance:
    task_id: str
    status: str = "NONE"
    operator: str | None = None
    attempts: int = 0
    started_at: float | None = None
    ended_at: float | None = None
    modified_at: float | None = None
    error: str | None = None
    log_stream: str | None = None  # in the workflow's log group, once copied there

    @property
    def ended(self) -> bool:
        """Whether an attempt ran and ended (its log is complete)."""
        return self.attempts >= 1 and self.ended_at is not None

    @property
    def duration(self) -> int | None:
        if self.started_at is None or self.ended_at is None:
            return None
        return round(self.ended_at - self.started_at)


@dataclass
class WorkflowRun:
    run_id: str
    workflow: str  # the workflow's name
    workflow_arn: str
    version: str
    dag_id: str  # the engine's
    run_type: str
    status: str
    created_at: float
    modified_at: float
    override_parameters: dict[str, Any] = field(default_factory=dict)
    started_at: float | None = None
    ended_at: float | None = None
    error: str | None = None
    tasks: list[TaskInstance] = field(default_factory=list)
    client_token: str | None = None

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    def task(self, task_id: str) -> TaskInstance | None:
        return next((task for task in self.tasks if task.task_id == task_id), None)

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> WorkflowRun:
        tasks = [TaskInstance(**task) for task in data.get("tasks", [])]
        return cls(**{**data, "tasks": tasks})
