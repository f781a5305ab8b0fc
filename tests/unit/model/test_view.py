"""GetEnvironment's Environment structure, checked against botocore's output shape."""

from typing import Any

import pytest
from botocore.model import Shape, StructureShape

from emulator.model import shapes, status
from emulator.model.record import build_record
from emulator.model.status import LastUpdate, Lifecycle
from emulator.model.view import environment_view, get_environment_output
from tests.unit.expected import default_logging_view

pytestmark = pytest.mark.unit

T0 = 1700000000.0
T1 = 1700000600.5
ENV_ID = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
# Where MWAA's answers themselves break the model (botocore checks no output constraint): the
# WebserverUrl is a bare host with no scheme (docs/reference.md §4), and an untagged environment has
# `"Tags": {}` although a TagMap has at least one entry.
REAL_SERVICE_DEVIATIONS = {
    "Value 'localhost:8080' at 'environment.webserverUrl' failed to satisfy constraint: "
    "Member must satisfy regular expression pattern: https://.+",
    "Value '{}' at 'environment.tags' failed to satisfy constraint: Member must have length greater than or equal to 1",
}


def output_shape() -> StructureShape:
    shape = shapes.operation("GetEnvironment").output_shape
    assert isinstance(shape, StructureShape)
    return shape


def timestamps_are_epochs(value: Any, shape: Shape, path: str) -> list[str]:
    """The validator leaves timestamps alone: MWAA's are epoch seconds (floats) in JSON."""
    problems: list[str] = []
    if shape.type_name == "timestamp" and not isinstance(value, float):
        problems.append(f"{path} is not epoch seconds: {value!r}")
    if isinstance(shape, StructureShape) and isinstance(value, dict):
        for member, item in value.items():
            if member in shape.members:
                problems += timestamps_are_epochs(item, shape.members[member], f"{path}.{member}")
    return problems


def check_output(body: dict[str, Any]) -> None:
    """Every way `body` breaks GetEnvironment's output shape, but the real service's deviations."""
    environment = output_shape().members["Environment"]
    errors = shapes.validate_value(body["Environment"], environment, "environment")
    assert [error for error in errors if error not in REAL_SERVICE_DEVIATIONS] == []
    assert set(body) <= set(output_shape().members)
    assert timestamps_are_epochs(body["Environment"], environment, "Environment") == []


def lifecycle() -> Lifecycle:
    return Lifecycle(name="team-a", status="AVAILABLE", created_at=T0, last_update=LastUpdate("SUCCESS", T1))


def test_default_environment_renders_exactly() -> None:
    record = build_record({"Name": "team-a"})
    body = get_environment_output(record, lifecycle(), "localhost:8080", ENV_ID)
    check_output(body)
    assert body == {
        "Environment": {
            "Name": "team-a",
            "Status": "AVAILABLE",
            "Arn": "arn:aws:airflow:us-east-1:000000000000:environment/team-a",
            "CreatedAt": T0,
            "WebserverUrl": "localhost:8080",
            "ExecutionRoleArn": "arn:aws:iam::000000000000:role/mwaa-local-execution-role",
            "ServiceRoleArn": (
                "arn:aws:iam::000000000000:role/aws-service-role/airflow.amazonaws.com/AWSServiceRoleForAmazonMWAA"
            ),
            "AirflowVersion": "3.3.1",
            "SourceBucketArn": "arn:aws:s3:::mwaa-local-team-a",
            "DagS3Path": "dags",
            "AirflowConfigurationOptions": {},
            "EnvironmentClass": "mw1.small",
            "MaxWorkers": 10,
            "NetworkConfiguration": {
                "SubnetIds": ["subnet-mwaa-local-a", "subnet-mwaa-local-b"],
                "SecurityGroupIds": ["sg-mwaa-local"],
            },
            "LoggingConfiguration": default_logging_view("team-a"),
            "LastUpdate": {"Status": "SUCCESS", "CreatedAt": T1},
            "Tags": {},
            "WebserverAccessMode": "PRIVATE_ONLY",
            "MinWorkers": 1,
            "Schedulers": 2,
            "CeleryExecutorQueue": "arn:aws:sqs:us-east-1:000000000000:airflow-celery-team-a",
            "MinWebservers": 2,
            "MaxWebservers": 5,
        }
    }
    # The model's order, member by member.
    members = list(output_shape().members["Environment"].members)
    assert list(body["Environment"]) == [member for member in members if member in body["Environment"]]


def test_every_enabled_log_type_has_its_group_arn() -> None:
    on = {"Enabled": True, "LogLevel": "DEBUG"}
    record = build_record(
        {
            "Name": "Team_A",
            "LoggingConfiguration": {
                "DagProcessingLogs": on,
                "SchedulerLogs": on,
                "WebserverLogs": on,
                "WorkerLogs": on,
                "TaskLogs": {"Enabled": False, "LogLevel": "INFO"},
            },
        }
    )
    view = environment_view(record, lifecycle(), "localhost:8080", ENV_ID)
    arns = {kind: entry.get("CloudWatchLogGroupArn") for kind, entry in view["LoggingConfiguration"].items()}
    prefix = "arn:aws:logs:us-east-1:000000000000:log-group:airflow-Team_A-"
    assert arns == {
        "DagProcessingLogs": prefix + "DAGProcessing",
        "SchedulerLogs": prefix + "Scheduler",
        "WebserverLogs": prefix + "WebServer",
        "WorkerLogs": prefix + "Worker",
        "TaskLogs": None,
    }
    assert view["CeleryExecutorQueue"] == "arn:aws:sqs:us-east-1:000000000000:airflow-celery-team_a"


def test_every_member_given_is_rendered() -> None:
    given = {
        "Name": "full",
        "AirflowVersion": "2.10.3",
        "KmsKey": "alias/my-key",
        "PluginsS3Path": "plugins.zip",
        "PluginsS3ObjectVersion": "v1",
        "RequirementsS3Path": "requirements.txt",
        "RequirementsS3ObjectVersion": "v2",
        "StartupScriptS3Path": "startup.sh",
        "StartupScriptS3ObjectVersion": "v3",
        "AirflowConfigurationOptions": {"core.parallelism": "8"},
        "WeeklyMaintenanceWindowStart": "SUN:14:00",
        "Tags": {"team": "a"},
        "EndpointManagement": "CUSTOMER",
        "IdentityCenterConfiguration": {"StartUrl": "https://d-1234567890.awsapps.com/start"},
        "Teams": {"red": {"SourceBucketArn": "arn:aws:s3:::red", "DagS3Path": "red/dags"}},
    }
    record = build_record(given)
    failed = status.create_failed(status.creating("full", T0), "INCORRECT_CONFIGURATION", "No such role.")
    body = get_environment_output(record, failed, "localhost:8081", ENV_ID)
    check_output(body.copy() | {"Environment": {**body["Environment"], "WebserverUrl": "localhost:8080"}})
    view = body["Environment"]
    for member, value in given.items():
        assert view[member] == value
    assert view["Status"] == "CREATE_FAILED"
    assert view["LastUpdate"] == {
        "Status": "FAILED",
        "CreatedAt": T0,
        "Error": {"ErrorCode": "INCORRECT_CONFIGURATION", "ErrorMessage": "No such role."},
    }
    assert view["WebserverVpcEndpointService"] == f"com.amazonaws.vpce.us-east-1.vpce-svc-webserver-{ENV_ID}"
    assert view["DatabaseVpcEndpointService"] == f"com.amazonaws.vpce.us-east-1.vpce-svc-database-{ENV_ID}"


def test_members_the_output_shape_lacks_never_appear() -> None:
    record = build_record({"Name": "team-a"})
    record.fields["NotAMember"] = "x"  # a saved record from a future version, say
    view = environment_view(record, lifecycle(), "localhost:8080", ENV_ID)
    assert set(view) <= set(output_shape().members["Environment"].members)
    assert "WebserverVpcEndpointService" not in view
