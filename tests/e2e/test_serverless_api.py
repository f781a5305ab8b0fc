"""MWAA Serverless's API on the running region, with unmodified boto3 and the aws CLI configured
only from `mwaa-local env`: a workflow made from a YAML definition in a versioned bucket of the
region's S3 service, its snapshot kept by object version, a new version per update, a bad
definition refused with its line."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore.exceptions import ClientError

from emulator.cli import lifecycle
from emulator.cli.lifecycle import Context
from emulator.docker.region import Region
from emulator.model.serverless.engine import ENGINE_NAME
from tests.conftest import ENGINE_IDLE_SECONDS
from tests.support import REPO, cli, region_exports, wait_for

ROLE = "arn:aws:iam::000000000000:role/serverless-e2e"
BARE_ROLE = "arn:aws:iam::000000000000:role/serverless-e2e-bare"
DEFINITION = """\
nightly_copy:
  schedule: "*/5 * * * *"
  tasks:
    - task_id: list_inputs
      operator: airflow.providers.amazon.aws.operators.s3.S3ListOperator
      bucket: {bucket}
    - task_id: copy
      operator: airflow.providers.amazon.aws.operators.s3.S3CopyObjectOperator
      source_bucket_name: {bucket}
      source_bucket_key: in/a.txt
      dest_bucket_name: {bucket}
      dest_bucket_key: out/a.txt
      dependencies: [list_inputs]
"""


@pytest.fixture
def exports(region: Region, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """`mwaa-local env`'s exports, set for boto3 as a user's shell would."""
    found = region_exports()
    for variable, value in found.items():
        monkeypatch.setenv(variable, value)
    return found


@pytest.fixture
def bucket(exports: dict[str, str]) -> Iterator[str]:
    s3 = boto3.client("s3")
    name = f"serverless-e2e-{secrets.token_hex(4)}"
    s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    yield name
    for version in s3.list_object_versions(Bucket=name).get("Versions", []):
        s3.delete_object(Bucket=name, Key=version["Key"], VersionId=version["VersionId"])
    s3.delete_bucket(Bucket=name)


@pytest.fixture
def serverless(exports: dict[str, str]) -> Iterator[Any]:
    client = boto3.client("mwaa-serverless")
    yield client
    for workflow in client.list_workflows()["Workflows"]:
        if workflow["Name"].startswith("e2e-"):
            client.delete_workflow(WorkflowArn=workflow["WorkflowArn"])


def aws_cli(exports: dict[str, str], *arguments: str) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).with_name("aws")), "mwaa-serverless", *arguments, "--output", "json"]
    return subprocess.run(command, capture_output=True, text=True, env={**os.environ, **exports}, timeout=120)


def test_a_workflow_keeps_its_definitions_version_and_updates_make_new_ones(
    exports: dict[str, str], bucket: str, serverless: Any
) -> None:
    s3 = boto3.client("s3")
    first = s3.put_object(Bucket=bucket, Key="flows/nightly.yaml", Body=DEFINITION.format(bucket=bucket).encode())
    location = {"Bucket": bucket, "ObjectKey": "flows/nightly.yaml", "VersionId": first["VersionId"]}
    created = serverless.create_workflow(Name="e2e-nightly", DefinitionS3Location=location, RoleArn=ROLE)
    arn = created["WorkflowArn"]
    assert (created["WorkflowStatus"], created["IsLatestVersion"]) == ("READY", True)

    # A later write to the object changes nothing: the workflow holds the version it read.
    s3.put_object(Bucket=bucket, Key="flows/nightly.yaml", Body=b"not: [a, workflow")
    got = serverless.get_workflow(WorkflowArn=arn)
    assert got["WorkflowDefinition"] == DEFINITION.format(bucket=bucket)
    assert got["ScheduleConfiguration"] == {"CronExpression": "*/5 * * * *"}

    # The aws CLI sees the same workflow.
    listed = aws_cli(exports, "list-workflows")
    assert listed.returncode == 0, listed.stderr
    assert [w["WorkflowArn"] for w in json.loads(listed.stdout)["Workflows"] if w["Name"] == "e2e-nightly"] == [arn]
    # So does `mwaa-local workflows list`, a client of the same API.
    shown = cli(REPO, "workflows", "list")
    assert shown.returncode == 0, shown.stderr
    row = next(line for line in shown.stdout.splitlines() if "e2e-nightly" in line)
    assert "READY" in row and created["WorkflowVersion"] in row and "*/5 * * * *" in row, row

    on_demand = DEFINITION.format(bucket=bucket).replace('  schedule: "*/5 * * * *"\n', "")
    second = s3.put_object(Bucket=bucket, Key="flows/nightly.yaml", Body=on_demand.encode())
    updated = serverless.update_workflow(
        WorkflowArn=arn, DefinitionS3Location={**location, "VersionId": second["VersionId"]}, RoleArn=ROLE
    )
    versions = serverless.list_workflow_versions(WorkflowArn=arn)["WorkflowVersions"]
    assert [v["WorkflowVersion"] for v in versions] == [updated["WorkflowVersion"], created["WorkflowVersion"]]
    assert "ScheduleConfiguration" not in versions[1], "the older version's schedule is disabled"
    old = serverless.get_workflow(WorkflowArn=arn, WorkflowVersion=created["WorkflowVersion"])
    assert old["DefinitionS3Location"]["VersionId"] == first["VersionId"]
    assert old["WorkflowDefinition"] == DEFINITION.format(bucket=bucket)


def test_a_bad_definition_gets_the_exact_validation_exception(
    exports: dict[str, str], bucket: str, serverless: Any
) -> None:
    s3 = boto3.client("s3")
    bad = DEFINITION.format(bucket=bucket).replace(
        "airflow.providers.amazon.aws.operators.s3.S3CopyObjectOperator",
        "airflow.providers.standard.operators.bash.BashOperator",
    )
    s3.put_object(Bucket=bucket, Key="flows/bad.yaml", Body=bad.encode())
    location = {"Bucket": bucket, "ObjectKey": "flows/bad.yaml"}
    with pytest.raises(ClientError) as raised:
        serverless.create_workflow(Name="e2e-bad", DefinitionS3Location=location, RoleArn=ROLE)
    error = raised.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert error["Message"] == (
        f"Invalid workflow definition s3://{bucket}/flows/bad.yaml: line 8: task 'copy': operator "
        "'airflow.providers.standard.operators.bash.BashOperator' is not allowed in MWAA Serverless; use an "
        "operator, sensor or transfer of the Amazon provider (airflow.providers.amazon.aws.*) or EmptyOperator"
    )
    cli = aws_cli(
        exports, "create-workflow", "--name", "e2e-bad", "--role-arn", ROLE,
        "--definition-s3-location", f"Bucket={bucket},ObjectKey=flows/bad.yaml",
    )  # fmt: skip
    assert cli.returncode != 0
    assert "An error occurred (ValidationException) when calling the CreateWorkflow operation" in cli.stderr
    assert "line 8: task 'copy'" in cli.stderr
    assert [w for w in serverless.list_workflows()["Workflows"] if w["Name"] == "e2e-bad"] == []


WRITES = """\
writes:
  tasks:
    - task_id: write
      operator: airflow.providers.amazon.aws.operators.s3.S3CreateObjectOperator
      s3_bucket: {bucket}
      s3_key: out/{{{{ run_id }}}}.txt
      data: "{{{{ dag_run.conf.get('day', 'none') }}}}"
    - task_id: written
      operator: airflow.providers.amazon.aws.sensors.s3.S3KeySensor
      bucket_name: {bucket}
      bucket_key: {key}
      poke_interval: 1
      timeout: {timeout}
      dependencies: [write]
"""
ROLE_GRANT = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "s3:*", "Resource": ["arn:aws:s3:::{bucket}", "arn:aws:s3:::{bucket}/*"]}
    ],
}


@pytest.fixture
def workflow_role(region: Region, bucket: str) -> Iterator[str]:
    """ROLE's attached policy: everything on the test's bucket (and nothing else)."""
    path = Context.load().home / "roles" / f"{ROLE.rsplit('/', 1)[1]}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(ROLE_GRANT).replace("{bucket}", bucket))
    yield ROLE
    path.unlink()


@pytest.fixture
def engine_cleanup(region: Region) -> Iterator[None]:
    """The engine is the region's: removed with its data after the test, whatever it left."""
    yield
    context = Context.load()
    if context.state(ENGINE_NAME).exists():
        lifecycle.stack_of(context, ENGINE_NAME).down(volumes=True)


def run_state(serverless: Any, arn: str, run_id: str) -> dict[str, Any]:
    return dict(serverless.get_workflow_run(WorkflowArn=arn, RunId=run_id)["RunDetail"])


def finished(serverless: Any, arn: str, run_id: str, timeout: float) -> dict[str, Any]:
    def ended() -> dict[str, Any] | None:
        detail = run_state(serverless, arn, run_id)
        return detail if detail["RunState"] in ("SUCCESS", "FAILED", "STOPPED", "TIMEOUT") else None

    return wait_for(ended, timeout, f"run {run_id} to end", interval=2)


def engine_running() -> bool:
    context = Context.load()
    if not context.state(ENGINE_NAME).exists():
        return False
    return any(container.state == "running" for container in lifecycle.stack_of(context, ENGINE_NAME).containers())


def test_runs_on_the_engine_that_starts_for_them_and_stops_when_idle(
    exports: dict[str, str], bucket: str, workflow_role: str, serverless: Any, engine_cleanup: None
) -> None:
    """Tasks act as their workflow's role: ROLE may write the bucket, a role without a policy may not."""
    s3 = boto3.client("s3")
    written = "out/{{ run_id }}.txt"
    good = WRITES.format(bucket=bucket, key=written, timeout=60)
    bad = WRITES.format(bucket=bucket, key="no/such/key", timeout=3)
    slow = WRITES.format(bucket=bucket, key="no/such/key", timeout=600)
    arns = {}
    late = slow.replace("writes:\n", "writes:\n  dagrun_timeout: 20\n")
    cases = (
        ("e2e-good", good, ROLE),
        ("e2e-bad", bad, ROLE),
        ("e2e-slow", slow, ROLE),
        ("e2e-denied", good, BARE_ROLE),
        ("e2e-late", late, ROLE),
    )
    for name, text, role in cases:
        put = s3.put_object(Bucket=bucket, Key=f"{name}.yaml", Body=text.encode())
        location = {"Bucket": bucket, "ObjectKey": f"{name}.yaml", "VersionId": put["VersionId"]}
        logging = {"LogGroupName": f"/mwaa-serverless/{name}"}
        created = serverless.create_workflow(
            Name=name, DefinitionS3Location=location, RoleArn=role, LoggingConfiguration=logging
        )
        arns[name] = created["WorkflowArn"]

    assert not engine_running(), "nothing runs before the first run"
    started = time.monotonic()
    good_run = serverless.start_workflow_run(WorkflowArn=arns["e2e-good"], OverrideParameters={"day": "monday"})
    assert good_run["Status"] == "STARTING"
    bad_run = serverless.start_workflow_run(WorkflowArn=arns["e2e-bad"])
    slow_run = serverless.start_workflow_run(WorkflowArn=arns["e2e-slow"])
    denied_run = serverless.start_workflow_run(WorkflowArn=arns["e2e-denied"])
    late_run = serverless.start_workflow_run(WorkflowArn=arns["e2e-late"])
    detail = finished(serverless, arns["e2e-good"], good_run["RunId"], 600)
    cold = time.monotonic() - started
    assert detail["RunState"] == "SUCCESS", detail
    assert detail["TaskInstances"] == ["write", "written"]
    tasks = serverless.list_task_instances(WorkflowArn=arns["e2e-good"], RunId=good_run["RunId"])["TaskInstances"]
    assert {task["TaskInstanceId"]: task["Status"] for task in tasks} == {"write": "SUCCESS", "written": "SUCCESS"}
    listed = aws_cli(exports, "list-task-instances", "--workflow-arn", arns["e2e-good"], "--run-id", good_run["RunId"])
    assert listed.returncode == 0, listed.stderr
    shown = {task["TaskInstanceId"]: task["Status"] for task in json.loads(listed.stdout)["TaskInstances"]}
    assert shown == {"write": "SUCCESS", "written": "SUCCESS"}, "the aws CLI reads the same"
    sensor = serverless.get_task_instance(
        WorkflowArn=arns["e2e-good"], RunId=good_run["RunId"], TaskInstanceId="written"
    )
    assert (sensor["AttemptNumber"], sensor["OperatorName"]) == (1, "S3KeySensor")
    body = s3.get_object(Bucket=bucket, Key=f"out/{good_run['RunId']}.txt")["Body"].read()
    assert body == b"monday", "written as ROLE, with the run's OverrideParameters"

    # Each task's log reaches the workflow's log group, under the stream GetTaskInstance names.
    def log_stream() -> str | None:
        found = serverless.get_task_instance(
            WorkflowArn=arns["e2e-good"], RunId=good_run["RunId"], TaskInstanceId="write"
        )
        return found.get("LogStream")

    stream = wait_for(log_stream, 60, "the write task's log in the workflow's group", interval=2)
    events = boto3.client("logs").get_log_events(logGroupName="/mwaa-serverless/e2e-good", logStreamName=stream)
    assert any(good_run["RunId"] in event["message"] for event in events["events"]), events["events"][:3]

    failed = finished(serverless, arns["e2e-bad"], bad_run["RunId"], 300)
    assert (failed["RunState"], failed["ErrorMessage"]) == ("FAILED", "Task written failed.")
    refused = finished(serverless, arns["e2e-denied"], denied_run["RunId"], 300)
    assert (refused["RunState"], refused["ErrorMessage"]) == ("FAILED", "Task write failed."), "no policy: no write"
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket, Prefix=f"out/{denied_run['RunId']}")
    timed_out = finished(serverless, arns["e2e-late"], late_run["RunId"], 300)
    assert (timed_out["RunState"], timed_out["ErrorMessage"]) == (
        "TIMEOUT",
        "The run took longer than its dagrun_timeout of 20 s.",
    )

    wait_for(
        lambda: run_state(serverless, arns["e2e-slow"], slow_run["RunId"])["RunState"] == "RUNNING",
        120,
        "the slow run running",
        interval=2,
    )
    assert serverless.stop_workflow_run(WorkflowArn=arns["e2e-slow"], RunId=slow_run["RunId"])["Status"] == "STOPPING"
    assert finished(serverless, arns["e2e-slow"], slow_run["RunId"], 120)["RunState"] == "STOPPED"

    # The UI URL logs a browser into the engine's Airflow, where the workflows' DAGs are.
    url = serverless.create_airflow_ui_url()["AuthorizedUrl"]
    host, token = url.removeprefix("https://").split("/", 1)[0], url.split("#", 1)[1]
    session = requests.Session()
    session.trust_env, session.verify = False, exports["REQUESTS_CA_BUNDLE"]
    login = session.post(f"https://{host}/pluginsv2/aws_mwaa/login", data={"token": token}, allow_redirects=False)
    assert login.status_code == 302, login.text[:300]
    session.headers["Authorization"] = f"Bearer {session.cookies['_token']}"
    dags = session.get(f"https://{host}/api/v2/dags", params={"dag_id_pattern": "e2e-good"}, timeout=30).json()
    assert [dag["dag_id"] for dag in dags["dags"]] == [f"e2e-good__{version_of(serverless, arns['e2e-good'])}"]

    # A cron schedule starts a SCHEDULED run within its minute; an update without one disables it.
    cron = WRITES.format(bucket=bucket, key=written, timeout=60).replace(
        "writes:\n", 'writes:\n  schedule: "* * * * *"\n'
    )
    put = s3.put_object(Bucket=bucket, Key="e2e-cron.yaml", Body=cron.encode())
    location = {"Bucket": bucket, "ObjectKey": "e2e-cron.yaml", "VersionId": put["VersionId"]}
    cron_arn = serverless.create_workflow(Name="e2e-cron", DefinitionS3Location=location, RoleArn=ROLE)["WorkflowArn"]

    def scheduled() -> dict[str, Any] | None:
        found = serverless.list_workflow_runs(WorkflowArn=cron_arn)["WorkflowRuns"]
        return found[0] if found and found[0]["RunDetailSummary"]["Status"] == "SUCCESS" else None

    fired = wait_for(scheduled, 120, "the schedule's run", interval=2)
    assert fired["RunType"] == "SCHEDULED"
    unscheduled = s3.put_object(
        Bucket=bucket, Key="e2e-cron.yaml", Body=WRITES.format(bucket=bucket, key=written, timeout=60).encode()
    )
    serverless.update_workflow(
        WorkflowArn=cron_arn, DefinitionS3Location={**location, "VersionId": unscheduled["VersionId"]}, RoleArn=ROLE
    )
    assert "ScheduleConfiguration" not in serverless.get_workflow(WorkflowArn=cron_arn)

    # A new version of e2e-good: its runs use it, while a run of the old version uses the old snapshot.
    old_version = version_of(serverless, arns["e2e-good"])
    v2 = WRITES.format(bucket=bucket, key=written, timeout=60).replace('data: "', 'data: "v2 ')
    put = s3.put_object(Bucket=bucket, Key="e2e-good.yaml", Body=v2.encode())
    serverless.update_workflow(
        WorkflowArn=arns["e2e-good"],
        DefinitionS3Location={"Bucket": bucket, "ObjectKey": "e2e-good.yaml", "VersionId": put["VersionId"]},
        RoleArn=ROLE,
        LoggingConfiguration={"LogGroupName": "/mwaa-serverless/e2e-good"},
    )

    # No run for the idle period: the engine is stopped; the next run starts it again.
    wait_for(lambda: not engine_running(), ENGINE_IDLE_SECONDS + 60, "the idle engine to stop", interval=2)
    runs = serverless.list_workflow_runs(WorkflowArn=arns["e2e-good"])["WorkflowRuns"]
    assert [run["RunDetailSummary"]["Status"] for run in runs] == ["SUCCESS"], "history outlives the engine"
    # `mwaa-local workflows run --wait`, a client of the same API, starts it again (the latest version).
    started = time.monotonic()
    again = cli(REPO, "workflows", "run", "e2e-good", "--wait", "--parameters", '{"day": "friday"}', timeout=900)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "write → success" in again.stdout and "SUCCESS" in again.stdout, again.stdout
    run_id = again.stdout.split()[1]
    assert s3.get_object(Bucket=bucket, Key=f"out/{run_id}.txt")["Body"].read() == b"v2 friday"
    print(f"cold engine: first run done in {cold:.0f} s; restarted engine: {time.monotonic() - started:.0f} s")
    older = serverless.start_workflow_run(
        WorkflowArn=arns["e2e-good"], WorkflowVersion=old_version, OverrideParameters={"day": "sunday"}
    )
    assert finished(serverless, arns["e2e-good"], older["RunId"], 300)["WorkflowVersion"] == old_version
    assert s3.get_object(Bucket=bucket, Key=f"out/{older['RunId']}.txt")["Body"].read() == b"sunday"


def version_of(serverless: Any, arn: str) -> str:
    return str(serverless.get_workflow(WorkflowArn=arn)["WorkflowVersion"])
