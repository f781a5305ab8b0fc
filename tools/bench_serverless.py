"""`scripts/bench --serverless-only`: MWAA Serverless's rows, on the region of a running
environment (whose bucket holds the definitions).

- the region's memory (control plane and S3 service) with no workflow, then with 20 workflows
  defined (the target: no difference: a workflow is files until it runs);
- StartWorkflowRun → its first task running (or done), with the engine stopped (cold: the engine
  starts, parses the workflow, then runs it) and again with the engine up (warm);
- the engine's memory while it is up, and the time the control plane takes to stop it."""

from __future__ import annotations

import io
import json
import time
from typing import Any

from emulator.cli.lifecycle import Context, api, stack_of
from emulator.model.serverless.engine import ENGINE_NAME
from emulator.service.control_plane_client import ControlPlaneClient
from tools.bench import BUCKET, rss_mib, running, summary

WORKFLOWS = 20
ROLE = "bench-serverless"
DEFINITION = """bench_flow:
  tasks:
    - task_id: list_dags
      operator: airflow.providers.amazon.aws.operators.s3.S3ListOperator
      bucket: {bucket}
      prefix: dags/
"""
STARTED = frozenset({"RUNNING", "SUCCESS", "FAILED"})


def region_memory(context: Context, settle: float) -> float:
    time.sleep(settle)
    region = context.region()
    return float(summary(rss_mib(region.project, only=running(region.project)))["memory_rss_total_mib"])


def first_task_started(serverless: ControlPlaneClient, arn: str, timeout: float = 900) -> float:
    """Seconds from StartWorkflowRun to its first task running or done; the run is then awaited."""
    started = time.monotonic()
    run_id = serverless.call("start_workflow_run", WorkflowArn=arn)["RunId"]
    first = None
    while time.monotonic() - started < timeout:
        tasks = serverless.call("list_task_instances", WorkflowArn=arn, RunId=run_id)["TaskInstances"]
        if first is None and any(task["Status"] in STARTED for task in tasks):
            first = round(time.monotonic() - started, 2)
        state = serverless.call("get_workflow_run", WorkflowArn=arn, RunId=run_id)["RunDetail"]["RunState"]
        if state in ("SUCCESS", "FAILED", "STOPPED"):
            if state != "SUCCESS" or first is None:
                raise RuntimeError(f"the bench run ended {state}")
            return first
        time.sleep(0.5)
    raise RuntimeError("the bench run did not end")


def engine_running(context: Context) -> bool:
    state = context.state(ENGINE_NAME)
    return state.exists() and any(c.state == "running" for c in stack_of(context, ENGINE_NAME).containers())


def bench_serverless(context: Context, settle: float) -> dict[str, Any]:
    s3, serverless = context.region().client(), api(context, service="mwaa-serverless")
    result: dict[str, Any] = {"region_memory_no_workflows_mib": region_memory(context, settle)}
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:List*", "Resource": f"arn:aws:s3:::{BUCKET}"}],
    }
    (context.home / "roles").mkdir(exist_ok=True)
    (context.home / "roles" / f"{ROLE}.json").write_text(json.dumps(policy))
    data = DEFINITION.format(bucket=BUCKET).encode()
    s3.put_object(BUCKET, "flows/bench.yaml", io.BytesIO(data), len(data))
    arns = []
    for number in range(WORKFLOWS):
        arns.append(
            serverless.call(
                "create_workflow",
                Name=f"bench-{number}",
                DefinitionS3Location={"Bucket": BUCKET, "ObjectKey": "flows/bench.yaml"},
                RoleArn=f"arn:aws:iam::000000000000:role/{ROLE}",
            )["WorkflowArn"]
        )
    try:
        result["region_memory_with_workflows_mib"] = region_memory(context, settle)
        result["engine_running_before_first_run"] = engine_running(context)
        result["start_to_first_task_cold_seconds"] = first_task_started(serverless, arns[0])
        result["start_to_first_task_warm_seconds"] = first_task_started(serverless, arns[1])
        engine = stack_of(context, ENGINE_NAME).project
        result |= {f"engine_{key}": value for key, value in summary(rss_mib(engine)).items()}
    finally:
        for arn in arns:
            serverless.call("delete_workflow", WorkflowArn=arn)
        if context.state(ENGINE_NAME).exists():
            stack_of(context, ENGINE_NAME).down(volumes=True)
        (context.home / "roles" / f"{ROLE}.json").unlink()
    return result
