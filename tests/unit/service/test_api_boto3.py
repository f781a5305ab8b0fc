"""The MWAA API driven by a real boto3 client against uvicorn on 127.0.0.1 (docs/reference.md §1 to §5)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from emulator.model import tokens
from emulator.service.api.backend import InMemoryOperations
from emulator.service.api.server import ServerThread
from emulator.service.iam.principals import ADMIN_NAME
from tests.unit.expected import default_logging_view
from tests.unit.service.api_access import access_for_tests

pytestmark = pytest.mark.unit

NOW = 1700000000.0
ROLE = "arn:aws:iam::000000000000:role/my-role"
BUCKET = "arn:aws:s3:::my-dags-bucket"
NETWORK = {"SubnetIds": ["subnet-a", "subnet-b"], "SecurityGroupIds": ["sg-a"]}
ARN = "arn:aws:airflow:us-east-1:000000000000:environment/{}"


@pytest.fixture
def operations() -> InMemoryOperations:
    return InMemoryOperations(clock=lambda: NOW)


@pytest.fixture
def server(operations: InMemoryOperations) -> Iterator[ServerThread]:
    with ServerThread(operations, access_for_tests()) as running:
        yield running


def make_client(url: str, inject_host_prefix: bool = False) -> Any:
    config = Config(inject_host_prefix=inject_host_prefix, retries={"total_max_attempts": 1})
    return boto3.client(
        "mwaa",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=config,
    )


@pytest.fixture
def mwaa(server: ServerThread) -> Any:
    return make_client(server.url)


def create(mwaa: Any, name: str, **extra: Any) -> dict[str, Any]:
    members = {
        "ExecutionRoleArn": ROLE,
        "SourceBucketArn": BUCKET,
        "DagS3Path": "dags",
        "NetworkConfiguration": NETWORK,
    }
    return dict(mwaa.create_environment(Name=name, **{**members, **extra}))


def error_of(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    response = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Message"]


def test_create_then_get_returns_the_environment_with_mwaa_defaults(mwaa: Any) -> None:
    assert create(mwaa, "env1", Tags={"team": "data"})["Arn"] == ARN.format("env1")
    environment = mwaa.get_environment(Name="env1")["Environment"]
    assert environment["CreatedAt"].timestamp() == NOW
    assert environment["LastUpdate"]["CreatedAt"].timestamp() == NOW
    del environment["CreatedAt"], environment["LastUpdate"]["CreatedAt"]
    assert environment == {
        "Name": "env1",
        "Status": "CREATING",
        "Arn": ARN.format("env1"),
        "WebserverUrl": "localhost:8080",
        "ExecutionRoleArn": ROLE,
        "ServiceRoleArn": "arn:aws:iam::000000000000:role/aws-service-role/airflow.amazonaws.com/"
        "AWSServiceRoleForAmazonMWAA",
        "AirflowVersion": environment["AirflowVersion"],
        "SourceBucketArn": BUCKET,
        "DagS3Path": "dags",
        "AirflowConfigurationOptions": {},
        "EnvironmentClass": "mw1.small",
        "MaxWorkers": 10,
        "MinWorkers": 1,
        "Schedulers": 2,
        "MinWebservers": 2,
        "MaxWebservers": 5,
        "NetworkConfiguration": NETWORK,
        "LoggingConfiguration": default_logging_view("env1"),
        "LastUpdate": {"Status": "PENDING"},
        "Tags": {"team": "data"},
        "WebserverAccessMode": "PRIVATE_ONLY",
        "CeleryExecutorQueue": "arn:aws:sqs:us-east-1:000000000000:airflow-celery-env1",
    }


def test_settle_makes_a_created_environment_available(mwaa: Any, operations: InMemoryOperations) -> None:
    create(mwaa, "env1")
    operations.settle()
    environment = mwaa.get_environment(Name="env1")["Environment"]
    assert (environment["Status"], environment["LastUpdate"]["Status"]) == ("AVAILABLE", "SUCCESS")


def test_list_environments_paginates_with_max_results_and_next_token(mwaa: Any) -> None:
    for name in ("gamma", "alpha", "beta"):
        create(mwaa, name)
    first = mwaa.list_environments(MaxResults=2)
    assert first["Environments"] == ["alpha", "beta"]
    second = mwaa.list_environments(MaxResults=2, NextToken=first["NextToken"])
    assert second["Environments"] == ["gamma"] and "NextToken" not in second
    pages = mwaa.get_paginator("list_environments").paginate(PaginationConfig={"PageSize": 2})
    assert [page["Environments"] for page in pages] == [["alpha", "beta"], ["gamma"]]


def test_update_changes_only_the_members_given(mwaa: Any, operations: InMemoryOperations) -> None:
    create(mwaa, "env1", MinWorkers=2, Tags={"a": "1"})
    operations.settle()
    before = mwaa.get_environment(Name="env1")["Environment"]
    assert mwaa.update_environment(Name="env1", MaxWorkers=7)["Arn"] == ARN.format("env1")
    after = mwaa.get_environment(Name="env1")["Environment"]
    assert (after["Status"], after["LastUpdate"]["Status"], after["MaxWorkers"]) == ("UPDATING", "PENDING", 7)
    for member in ("Status", "LastUpdate", "MaxWorkers"):
        del before[member], after[member]
    assert after == before
    operations.settle()
    assert mwaa.get_environment(Name="env1")["Environment"]["Status"] == "AVAILABLE"


def test_tag_untag_and_list_tags_by_environment_arn(mwaa: Any) -> None:
    create(mwaa, "env1", Tags={"a": "1"})
    arn = ARN.format("env1")
    mwaa.tag_resource(ResourceArn=arn, Tags={"b": "2", "c": "3"})
    assert mwaa.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"a": "1", "b": "2", "c": "3"}
    mwaa.untag_resource(ResourceArn=arn, tagKeys=["a", "c"])
    assert mwaa.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"b": "2"}
    assert mwaa.get_environment(Name="env1")["Environment"]["Tags"] == {"b": "2"}


def test_delete_goes_through_deleting_then_the_environment_is_gone(mwaa: Any, operations: InMemoryOperations) -> None:
    create(mwaa, "env1")
    operations.settle()
    assert {k: v for k, v in mwaa.delete_environment(Name="env1").items() if k != "ResponseMetadata"} == {}
    assert mwaa.get_environment(Name="env1")["Environment"]["Status"] == "DELETING"
    operations.settle()
    with pytest.raises(ClientError) as excinfo:
        mwaa.get_environment(Name="env1")
    assert error_of(excinfo) == ("ResourceNotFoundException", 404, "Environment env1 not found.")
    assert mwaa.list_environments()["Environments"] == []


def test_invalid_name_is_a_validation_exception_in_aws_words(mwaa: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        create(mwaa, "1-bad")
    assert error_of(excinfo) == (
        "ValidationException",
        400,
        "1 validation error detected: Value '1-bad' at 'name' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [a-zA-Z][0-9a-zA-Z-_]*",
    )


def test_min_workers_above_max_workers_is_refused(mwaa: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        create(mwaa, "env1", MinWorkers=5, MaxWorkers=3)
    assert error_of(excinfo) == (
        "ValidationException",
        400,
        "1 validation error detected: MinWorkers (5) must not exceed MaxWorkers (3).",
    )
    assert mwaa.list_environments()["Environments"] == []


def test_unknown_environment_is_resource_not_found(mwaa: Any) -> None:
    for call in (mwaa.get_environment, mwaa.delete_environment):
        with pytest.raises(ClientError) as excinfo:
            call(Name="missing")
        assert error_of(excinfo) == ("ResourceNotFoundException", 404, "Environment missing not found.")
    with pytest.raises(ClientError) as excinfo:
        mwaa.update_environment(Name="missing", MaxWorkers=3)
    assert error_of(excinfo) == ("ResourceNotFoundException", 404, "Environment missing not found.")


def test_unknown_arn_is_resource_not_found(mwaa: Any) -> None:
    arn = ARN.format("missing")
    with pytest.raises(ClientError) as excinfo:
        mwaa.list_tags_for_resource(ResourceArn=arn)
    assert error_of(excinfo) == ("ResourceNotFoundException", 404, f"No environment has the ARN {arn}.")
    with pytest.raises(ClientError) as excinfo:
        mwaa.tag_resource(ResourceArn=arn, Tags={"a": "1"})
    assert error_of(excinfo)[:2] == ("ResourceNotFoundException", 404)


def test_duplicate_create_is_a_validation_exception(mwaa: Any) -> None:
    create(mwaa, "env1")
    with pytest.raises(ClientError) as excinfo:
        create(mwaa, "env1")
    assert error_of(excinfo) == ("ValidationException", 400, "Environment env1 already exists.")


def test_invalid_next_token_is_a_validation_exception(mwaa: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        mwaa.list_environments(NextToken="not-a-token")
    assert error_of(excinfo) == (
        "ValidationException",
        400,
        "Invalid NextToken 'not-a-token': pass the NextToken of a previous ListEnvironments response.",
    )


def test_max_results_out_of_the_model_range_is_refused(mwaa: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        mwaa.list_environments(MaxResults=26)
    assert error_of(excinfo) == (
        "ValidationException",
        400,
        "1 validation error detected: Value '26' at 'maxResults' failed to satisfy constraint: "
        "Member must have value less than or equal to 25",
    )


def test_too_many_tags_is_refused_by_the_model_limit(mwaa: Any) -> None:
    create(mwaa, "env1", Tags={f"k{i}": "v" for i in range(40)})
    with pytest.raises(ClientError) as excinfo:
        mwaa.tag_resource(ResourceArn=ARN.format("env1"), Tags={f"n{i}": "v" for i in range(11)})
    code, status, message = error_of(excinfo)
    assert (code, status) == ("ValidationException", 400)
    assert "at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50" in message


def test_create_cli_token_gives_a_token_for_the_environment_and_its_caller(
    mwaa: Any, operations: InMemoryOperations
) -> None:
    create(mwaa, "env1")
    answer = mwaa.create_cli_token(Name="env1")
    assert answer["WebServerHostname"] == "localhost:8080"
    key = operations.provisioner.token_key("env1")
    claims = tokens.verify(key, answer["CliToken"], "cli", "env1", NOW)
    assert (claims.identity, claims.expires) == (f"user/{ADMIN_NAME}", NOW + 60)
    with pytest.raises(tokens.TokenRefused, match="expired"):
        tokens.verify(key, answer["CliToken"], "cli", "env1", NOW + 61)
    with pytest.raises(ClientError) as excinfo:
        mwaa.create_cli_token(Name="missing")
    assert error_of(excinfo)[:2] == ("ResourceNotFoundException", 404)


def test_host_prefix_injection_disabled_by_the_environment_variable(
    server: ServerThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_DISABLE_HOST_PREFIX_INJECTION", "true")
    client = boto3.client(
        "mwaa",
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    create(client, "env1")
    assert client.list_environments()["Environments"] == ["env1"]


@pytest.mark.parametrize("path", ["/../../auth/fab/v1/users", "/dags/./x", "/dags/%2e%2e/%2E%2E/config", "/dags/.."])
def test_a_rest_path_that_steps_out_of_the_rest_api_is_refused(mwaa: Any, path: str) -> None:
    create(mwaa, "env1")
    with pytest.raises(ClientError) as refused:
        mwaa.invoke_rest_api(Name="env1", Path=path, Method="GET")
    code, status, message = error_of(refused)
    assert (code, status) == ("ValidationException", 400)
    assert "segment" in message


def test_a_rest_path_longer_than_the_models_64_characters_is_accepted_as_on_mwaa(mwaa: Any) -> None:
    """The amazon provider's sensors poll /dags/<dag>/dagRuns/<run>/taskInstances/<task>: past
    validation, the in-memory control plane (no Airflow) answers ServiceUnavailable."""
    create(mwaa, "env1")
    path = "/dags/my_daily_pipeline/dagRuns/manual__2026-12-04T21:10:00+00:00/taskInstances/extract"
    assert len(path) > 64
    with pytest.raises(ClientError) as answered:
        mwaa.invoke_rest_api(Name="env1", Path=path, Method="GET")
    assert error_of(answered)[0] == "ServiceUnavailableException"
