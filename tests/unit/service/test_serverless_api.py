"""MWAA Serverless's API through boto3's own `mwaa-serverless` client: workflows from a YAML
definition in a (faked) versioned bucket, snapshotted by object version, versioned on update,
validated with the line at fault, and signed and authorised as `airflow-serverless:*`."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions
import botocore.session
import pytest
from botocore.config import Config
from minio.error import S3Error

from emulator.service.api.backend import InMemoryOperations
from emulator.service.api.json_app import make_json_app
from emulator.service.api.server import ServerThread
from emulator.service.serverless.operations import WorkflowOperations
from emulator.service.serverless.runs import RunDriver
from emulator.service.serverless.store import WorkflowStore
from tests.unit.service.api_access import ACCESS_KEY, SECRET_KEY, access_for_tests
from tests.unit.service.serverless_fakes import FakeEngine, FakeRoles
from tests.unit.service.test_iam import write_principals

ROLE = "arn:aws:iam::000000000000:role/workflow-role"
DEFINITION = b"""\
nightly:
  schedule: "0 6 * * *"
  tasks:
    - task_id: list_inputs
      operator: airflow.providers.amazon.aws.operators.s3.S3ListOperator
      bucket: data
    - task_id: copy
      operator: airflow.providers.amazon.aws.operators.s3.S3CopyObjectOperator
      dependencies: [list_inputs]
"""
ON_DEMAND = DEFINITION.replace(b'  schedule: "0 6 * * *"\n', b"")


class Response:
    def __init__(self, data: bytes, version: str) -> None:
        self.stream = io.BytesIO(data)
        self.headers = {"x-amz-version-id": version}

    def read(self, size: int) -> bytes:
        return self.stream.read(size)

    def close(self) -> None: ...

    def release_conn(self) -> None: ...


class VersionedBucket:
    """A bucket's object versions, as minio's get_object answers them."""

    def __init__(self) -> None:
        self.versions: dict[tuple[str, str], list[bytes]] = {}

    def put(self, key: str, data: bytes, bucket: str = "flows") -> str:
        self.versions.setdefault((bucket, key), []).append(data)
        return f"v{len(self.versions[(bucket, key)])}"

    def get_object(self, bucket: str, key: str, version_id: str | None = None) -> Response:
        found = self.versions.get((bucket, key))
        if not found:
            raise S3Error(None, "NoSuchKey", "The specified key does not exist.", key, "", "")  # type: ignore[arg-type]
        index = len(found) if version_id is None else int(version_id.removeprefix("v"))
        if not 1 <= index <= len(found):
            raise S3Error(None, "NoSuchVersion", "The specified version does not exist.", key, "", "")  # type: ignore[arg-type]
        return Response(found[index - 1], f"v{index}")


@pytest.fixture
def bucket() -> VersionedBucket:
    return VersionedBucket()


@pytest.fixture
def server(tmp_path: Path, bucket: VersionedBucket) -> Iterator[ServerThread]:
    access = access_for_tests(tmp_path / "principals.json")
    model = botocore.session.get_session().get_service_model("mwaa-serverless")
    store = WorkflowStore(tmp_path / "serverless")
    runs = RunDriver(store, FakeEngine(), FakeRoles(), idle_seconds=600)  # type: ignore[arg-type]
    operations = WorkflowOperations(store, lambda: bucket, model, runs)  # type: ignore[arg-type,return-value]
    with ServerThread(InMemoryOperations(), access, serverless=make_json_app(model, operations, access)) as running:
        yield running


def client(server: ServerThread, key: str = ACCESS_KEY, secret: str = SECRET_KEY) -> Any:
    return boto3.client(
        "mwaa-serverless",
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=Config(retries={"total_max_attempts": 1}),
    )


def error_of(call: Any, **members: Any) -> dict[str, Any]:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        call(**members)
    return dict(raised.value.response["Error"]) | {
        key: value for key, value in raised.value.response.items() if key not in ("Error", "ResponseMetadata")
    }


def create(api: Any, bucket: VersionedBucket, name: str = "nightly", data: bytes = DEFINITION) -> dict[str, Any]:
    version = bucket.put(f"{name}.yaml", data)
    location = {"Bucket": "flows", "ObjectKey": f"{name}.yaml", "VersionId": version}
    return dict(api.create_workflow(Name=name, DefinitionS3Location=location, RoleArn=ROLE))


def test_a_workflow_is_its_definitions_snapshot(server: ServerThread, bucket: VersionedBucket) -> None:
    api = client(server)
    created = create(api, bucket)
    arn = created["WorkflowArn"]
    assert arn.startswith("arn:aws:airflow-serverless:us-east-1:000000000000:workflow/nightly-")
    assert (created["WorkflowStatus"], created["IsLatestVersion"], len(created["WorkflowVersion"])) == (
        "READY",
        True,
        32,
    )
    bucket.put("nightly.yaml", ON_DEMAND)  # a later write to the bucket changes nothing
    got = api.get_workflow(WorkflowArn=arn)
    assert got["WorkflowDefinition"] == DEFINITION.decode()
    assert got["DefinitionS3Location"] == {"Bucket": "flows", "ObjectKey": "nightly.yaml", "VersionId": "v1"}
    assert got["ScheduleConfiguration"] == {"CronExpression": "0 6 * * *"}
    assert (got["Name"], got["RoleArn"], got["WorkflowVersion"]) == ("nightly", ROLE, created["WorkflowVersion"])


def test_an_update_makes_a_new_version_and_disables_the_older_schedules(
    server: ServerThread, bucket: VersionedBucket
) -> None:
    api = client(server)
    first = create(api, bucket)
    arn = first["WorkflowArn"]
    again = bucket.put("nightly.yaml", DEFINITION.replace(b"0 6 * * *", b"30 7 * * *"))
    location = {"Bucket": "flows", "ObjectKey": "nightly.yaml", "VersionId": again}
    updated = api.update_workflow(WorkflowArn=arn, DefinitionS3Location=location, RoleArn=ROLE)
    assert updated["WorkflowVersion"] != first["WorkflowVersion"]
    versions = api.list_workflow_versions(WorkflowArn=arn)["WorkflowVersions"]
    assert [(v["WorkflowVersion"], v["IsLatestVersion"]) for v in versions] == [
        (updated["WorkflowVersion"], True),
        (first["WorkflowVersion"], False),
    ]
    assert versions[0]["ScheduleConfiguration"] == {"CronExpression": "30 7 * * *"}
    assert "ScheduleConfiguration" not in versions[1], "the older version's schedule is disabled"
    old = api.get_workflow(WorkflowArn=arn, WorkflowVersion=first["WorkflowVersion"])
    assert old["WorkflowDefinition"] == DEFINITION.decode(), "each version keeps its own snapshot"
    api.delete_workflow(WorkflowArn=arn, WorkflowVersion=first["WorkflowVersion"])
    assert [v["WorkflowVersion"] for v in api.list_workflow_versions(WorkflowArn=arn)["WorkflowVersions"]] == [
        updated["WorkflowVersion"]
    ]
    api.delete_workflow(WorkflowArn=arn)
    assert error_of(api.get_workflow, WorkflowArn=arn)["Code"] == "ResourceNotFoundException"
    assert api.list_workflows()["Workflows"] == []


@pytest.mark.parametrize(
    ("change", "line", "reason"),
    [
        (
            (
                b"airflow.providers.amazon.aws.operators.s3.S3CopyObjectOperator",
                b"airflow.providers.standard.operators.bash.BashOperator",
            ),
            8,
            "operator 'airflow.providers.standard.operators.bash.BashOperator' is not allowed in MWAA Serverless",
        ),
        (
            (b"      bucket: data\n", b"      bucket: data\n      expand: {prefix: [a, b]}\n"),
            7,
            "dynamic task mapping (expand)",
        ),
        ((b"[list_inputs]", b"[missing]"), 9, "dependency 'missing' is not a task of the DAG"),
        ((b"  tasks:\n", b"  tasks: [\n"), 4, "not valid YAML"),
    ],
)
def test_a_bad_definition_is_refused_with_its_line(
    server: ServerThread, bucket: VersionedBucket, change: tuple[bytes, bytes], line: int, reason: str
) -> None:
    api = client(server)
    bucket.put("nightly.yaml", DEFINITION.replace(*change))
    location = {"Bucket": "flows", "ObjectKey": "nightly.yaml"}
    error = error_of(api.create_workflow, Name="nightly", DefinitionS3Location=location, RoleArn=ROLE)
    assert error["Code"] == "ValidationException"
    assert error["Message"].startswith(f"Invalid workflow definition s3://flows/nightly.yaml: line {line}: ")
    assert reason in error["Message"]
    assert (error["Reason"], error["FieldList"][0]["Name"]) == ("fieldValidationFailed", "DefinitionS3Location")
    assert api.list_workflows()["Workflows"] == [], "nothing is kept"


def test_a_missing_definition_object_or_version_is_named(server: ServerThread, bucket: VersionedBucket) -> None:
    api = client(server)
    missing = {"Bucket": "flows", "ObjectKey": "none.yaml"}
    error = error_of(api.create_workflow, Name="x", DefinitionS3Location=missing, RoleArn=ROLE)
    assert (error["Code"], error["Message"]) == (
        "ValidationException",
        "Unable to read the workflow definition at s3://flows/none.yaml: NoSuchKey.",
    )
    bucket.put("x.yaml", DEFINITION)
    error = error_of(
        api.create_workflow,
        Name="x",
        DefinitionS3Location={**missing, "ObjectKey": "x.yaml", "VersionId": "v9"},
        RoleArn=ROLE,
    )
    assert (
        error["Message"] == "Unable to read the workflow definition at s3://flows/x.yaml (version v9): NoSuchVersion."
    )


def test_model_validation_names_idempotency_and_conflicts(server: ServerThread, bucket: VersionedBucket) -> None:
    api = client(server)
    error = error_of(
        api.create_workflow, Name="bad name", DefinitionS3Location={"Bucket": "flows", "ObjectKey": "k"}, RoleArn="role"
    )
    assert error["Code"] == "ValidationException"
    assert "Value 'bad name' at 'name' failed to satisfy constraint" in error["Message"]
    assert "at 'roleArn' failed to satisfy constraint" in error["Message"]
    version = bucket.put("nightly.yaml", DEFINITION)
    location = {"Bucket": "flows", "ObjectKey": "nightly.yaml", "VersionId": version}
    first = api.create_workflow(Name="nightly", DefinitionS3Location=location, RoleArn=ROLE, ClientToken="token-1")
    retried = api.create_workflow(Name="nightly", DefinitionS3Location=location, RoleArn=ROLE, ClientToken="token-1")
    assert retried["WorkflowArn"] == first["WorkflowArn"], "the same token and request: the same workflow"
    conflict = error_of(api.create_workflow, Name="nightly", DefinitionS3Location=location, RoleArn=ROLE)
    assert (conflict["Code"], conflict["Message"]) == ("ConflictException", "A workflow named nightly already exists.")
    assert conflict["ResourceId"] == first["WorkflowArn"]
    reused = error_of(
        api.create_workflow, Name="other", DefinitionS3Location=location, RoleArn=ROLE, ClientToken="token-1"
    )
    assert reused["Code"] == "ConflictException"
    unknown = first["WorkflowArn"][:-10] + "0123456789"
    missing = error_of(api.get_workflow, WorkflowArn=unknown)
    assert (missing["Code"], missing["ResourceId"], missing["ResourceType"]) == (
        "ResourceNotFoundException",
        unknown,
        "Workflow",
    )


def test_listing_pages_and_tags(server: ServerThread, bucket: VersionedBucket) -> None:
    api = client(server)
    arns = [create(api, bucket, name)["WorkflowArn"] for name in ("a-flow", "b-flow", "c-flow")]
    pages = api.get_paginator("list_workflows").paginate(PaginationConfig={"PageSize": 2})
    listed = [[w["Name"] for w in found["Workflows"]] for found in pages]
    assert listed == [["a-flow", "b-flow"], ["c-flow"]]
    api.tag_resource(ResourceArn=arns[0], Tags={"team": "data", "tier": "1"})
    api.untag_resource(ResourceArn=arns[0], TagKeys=["tier"])
    assert api.list_tags_for_resource(ResourceArn=arns[0])["Tags"] == {"team": "data"}


def test_a_run_is_started_listed_and_read_back(server: ServerThread, bucket: VersionedBucket) -> None:
    api = client(server)
    arn = create(api, bucket)["WorkflowArn"]
    started = api.start_workflow_run(WorkflowArn=arn, OverrideParameters={"day": "monday"}, ClientToken="run-1")
    assert started["Status"] == "STARTING"
    again = api.start_workflow_run(WorkflowArn=arn, OverrideParameters={"day": "monday"}, ClientToken="run-1")
    assert again["RunId"] == started["RunId"], "the same ClientToken: the same run"
    run = api.get_workflow_run(WorkflowArn=arn, RunId=started["RunId"])
    assert (run["RunType"], run["OverrideParameters"], run["RunDetail"]["RunState"]) == (
        "ON_DEMAND",
        {"day": "monday"},
        "STARTING",
    )
    listed = api.list_workflow_runs(WorkflowArn=arn)["WorkflowRuns"]
    assert [(r["RunId"], r["RunDetailSummary"]["Status"]) for r in listed] == [(started["RunId"], "STARTING")]
    stopped = api.stop_workflow_run(WorkflowArn=arn, RunId=started["RunId"])
    assert stopped["Status"] == "STOPPING"
    assert error_of(api.get_workflow_run, WorkflowArn=arn, RunId="nosuchrun")["ResourceType"] == "WorkflowRun"
    assert api.list_task_instances(WorkflowArn=arn, RunId=started["RunId"])["TaskInstances"] == []
    url = api.create_airflow_ui_url()
    assert url["AuthorizedUrl"].startswith("https://localhost:8443/aws_mwaa/aws-console-sso?login=true#")


def test_requests_are_signed_and_authorised_as_airflow_serverless(
    tmp_path: Path, server: ServerThread, bucket: VersionedBucket
) -> None:
    arn = create(client(server), bucket)["WorkflowArn"]
    reader = {
        "Name": "reader",
        "AccessKeyId": "AKIAREADER0000000001",
        "SecretAccessKey": "reader-secret-0000000",
        "Policy": {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "airflow-serverless:GetWorkflow", "Resource": arn}],
        },
    }
    write_principals(tmp_path / "principals.json", reader)
    api = client(server, "AKIAREADER0000000001", "reader-secret-0000000")
    assert api.get_workflow(WorkflowArn=arn)["Name"] == "nightly"
    denied = error_of(api.list_workflows)
    assert denied["Code"] == "AccessDeniedException"
    assert "is not authorized to perform: airflow-serverless:ListWorkflows on resource: *" in denied["Message"]
    forged = error_of(client(server, "AKIAREADER0000000001", "wrong").get_workflow, WorkflowArn=arn)
    assert forged["Code"] == "AccessDeniedException"
