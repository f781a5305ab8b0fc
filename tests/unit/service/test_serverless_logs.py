"""An ended task's log copied from the engine's Task group to its workflow's log group."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from emulator.model.aws_services import BY_CLIENT
from emulator.service.aws.backends import MotoBackends
from emulator.service.serverless.logs import ENGINE_TASK_GROUP, WorkflowLogs
from tests.unit.service.test_aws_services import reset_moto


@pytest.fixture
def backends(tmp_path: Path) -> Iterator[MotoBackends]:
    reset_moto()
    yield MotoBackends(tmp_path / "aws-services")
    reset_moto()


def test_a_tasks_attempt_is_copied_once_the_engine_has_it(backends: MotoBackends) -> None:
    logs = backends.backend(BY_CLIENT["logs"])
    copier = WorkflowLogs(backends)
    assert copier.copy("flow__v", "run1", "write", 1, "/flows/nightly") is None, "no engine group yet"
    logs.create_log_group(ENGINE_TASK_GROUP, tags={})
    engine_stream = "dag_id=flow__v/run_id=run1/task_id=write/attempt=1.log"
    logs.create_log_stream(ENGINE_TASK_GROUP, engine_stream)
    logs.create_log_stream(ENGINE_TASK_GROUP, "dag_id=flow__v/run_id=run1/task_id=write/attempt=2.log")
    assert copier.copy("flow__v", "run1", "write", 1, "/flows/nightly") is None, "nothing shipped yet"
    now = int(time.time() * 1000)  # CloudWatch drops events older than 14 days
    logs.put_log_events(ENGINE_TASK_GROUP, engine_stream, [{"timestamp": now, "message": "wrote it"}])
    assert copier.copy("flow__v", "run1", "write", 1, "/flows/nightly") == "run1_write_1"
    copied = logs.groups["/flows/nightly"].streams["run1_write_1"].events
    assert [(event.timestamp, event.message) for event in copied] == [(now, "wrote it")]
    assert logs.groups["/flows/nightly"].retention_in_days == 7
