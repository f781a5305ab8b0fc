"""`mwaa-local workflows run`: StartWorkflowRun on a workflow found by name, and with `--wait`
its run's states and task instances as they change, through MWAA Serverless's API."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from emulator.model.errors import EnvironmentNotFoundError
from emulator.service.control_plane_client import ControlPlaneClient

FINISHED = frozenset({"SUCCESS", "FAILED", "TIMEOUT", "STOPPED"})
POLL_SECONDS = 1.0


def workflow_arn(client: ControlPlaneClient, name: str) -> str:
    for page in client.pages("list_workflows", "Workflows"):
        for workflow in page:
            if workflow["Name"] == name:
                return str(workflow["WorkflowArn"])
    raise EnvironmentNotFoundError(
        f"No workflow is named {name}.", hint="`mwaa-local workflows list` shows the workflows."
    )


def run(
    client: ControlPlaneClient,
    name: str,
    parameters: dict[str, Any],
    wait: bool,
    timeout: float,
    show: Callable[[str], None],
) -> str | None:
    """Start a run; its final state when waited for (None otherwise)."""
    arn = workflow_arn(client, name)
    started = client.call("start_workflow_run", WorkflowArn=arn, OverrideParameters=parameters)
    run_id = str(started["RunId"])
    show(f"run {run_id} of {name}: {started['Status']}")
    if not wait:
        return None
    deadline = time.monotonic() + timeout
    seen: dict[str, str] = {"": str(started["Status"])}
    while True:
        detail = client.call("get_workflow_run", WorkflowArn=arn, RunId=run_id)["RunDetail"]
        tasks = client.call("list_task_instances", WorkflowArn=arn, RunId=run_id)["TaskInstances"]
        for task in tasks:
            if seen.get(task["TaskInstanceId"]) != task["Status"]:
                seen[task["TaskInstanceId"]] = task["Status"]
                show(f"  {task['TaskInstanceId']} → {task['Status'].lower()}")
        state = str(detail["RunState"])
        if seen[""] != state:
            seen[""] = state
            show(f"run {run_id}: {state}")
        if state in FINISHED:
            if detail.get("ErrorMessage"):
                show(f"  {detail['ErrorMessage']}")
            return state
        if time.monotonic() > deadline:
            show(f"run {run_id} is still {state} after {timeout:.0f} s (it goes on).")
            return state
        time.sleep(POLL_SECONDS)
