"""`mwaa-local create --from FILE`: both a CreateEnvironment input and a GetEnvironment output."""

import json
from typing import Any

import pytest

from emulator.model.errors import EnvironmentConfigError
from emulator.model.mirror import create_input_from, output_only_members
from emulator.model.record import build_record

pytestmark = pytest.mark.unit

# As `aws mwaa get-environment --name prod-etl` prints it (dates as epoch floats).
GET_ENVIRONMENT_OUTPUT = """
{
    "Environment": {
        "AirflowConfigurationOptions": {"core.default_timezone": "utc", "celery.worker_autoscale": "5,5"},
        "AirflowVersion": "2.10.3",
        "Arn": "arn:aws:airflow:eu-west-1:123456789012:environment/prod-etl",
        "CeleryExecutorQueue": "arn:aws:sqs:eu-west-1:210987654321:airflow-celery-3f0e8b1c-prod-etl",
        "CreatedAt": 1735732800.0,
        "DagS3Path": "dags",
        "DatabaseVpcEndpointService": "com.amazonaws.vpce.eu-west-1.vpce-svc-0a1b2c3d4e5f60718",
        "EndpointManagement": "SERVICE",
        "EnvironmentClass": "mw1.medium",
        "ExecutionRoleArn": "arn:aws:iam::123456789012:role/service-role/AmazonMWAA-prod-etl-x1Y2z3",
        "KmsKey": "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "LastUpdate": {
            "CreatedAt": 1736942400.0,
            "Source": "UPDATE_ENVIRONMENT",
            "Status": "SUCCESS",
            "WorkerReplacementStrategy": "GRACEFUL"
        },
        "LoggingConfiguration": {
            "DagProcessingLogs": {
                "CloudWatchLogGroupArn": "arn:aws:logs:eu-west-1:123456789012:log-group:airflow-prod-etl-DAGProcessing",
                "Enabled": true,
                "LogLevel": "WARNING"
            },
            "SchedulerLogs": {"Enabled": false, "LogLevel": "INFO"},
            "TaskLogs": {
                "CloudWatchLogGroupArn": "arn:aws:logs:eu-west-1:123456789012:log-group:airflow-prod-etl-Task",
                "Enabled": true,
                "LogLevel": "INFO"
            },
            "WebserverLogs": {"Enabled": false, "LogLevel": "INFO"},
            "WorkerLogs": {"Enabled": false, "LogLevel": "INFO"}
        },
        "MaxWebservers": 2,
        "MaxWorkers": 5,
        "MinWebservers": 2,
        "MinWorkers": 1,
        "Name": "prod-etl",
        "NetworkConfiguration": {
            "SecurityGroupIds": ["sg-0123456789abcdef0"],
            "SubnetIds": ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]
        },
        "RequirementsS3ObjectVersion": "3sL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY+MTRCxf3vjVBH40Nr8X8gdRQBpUMLUo",
        "RequirementsS3Path": "requirements.txt",
        "Schedulers": 2,
        "ServiceRoleArn": "arn:aws:iam::123456789012:role/aws-service-role/airflow.amazonaws.com/AWSServiceRoleForAmazonMWAA",
        "SourceBucketArn": "arn:aws:s3:::acme-prod-etl-airflow",
        "Status": "AVAILABLE",
        "Tags": {"team": "data", "env": "prod"},
        "WebserverAccessMode": "PRIVATE_ONLY",
        "WebserverUrl": "3f0e8b1c-4a2d-4c61-9b1e-0d6a7c2e5f90.c2.eu-west-1.airflow.amazonaws.com",
        "WebserverVpcEndpointService": "com.amazonaws.vpce.eu-west-1.vpce-svc-0123456789abcdef0",
        "WeeklyMaintenanceWindowStart": "SUN:02:00"
    }
}
"""  # noqa: E501 (the JSON as the CLI prints it)

LOCAL_ROLE = "arn:aws:iam::000000000000:role/mwaa-local-execution-role"
LOCAL_NETWORK = {"SubnetIds": ["subnet-mwaa-local-a", "subnet-mwaa-local-b"], "SecurityGroupIds": ["sg-mwaa-local"]}


def output() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(GET_ENVIRONMENT_OUTPUT)
    return data


def test_output_only_members_come_from_the_model() -> None:
    assert sorted(output_only_members()) == [
        "Arn",
        "CeleryExecutorQueue",
        "CreatedAt",
        "DatabaseVpcEndpointService",
        "LastUpdate",
        "ServiceRoleArn",
        "Status",
        "WebserverUrl",
        "WebserverVpcEndpointService",
    ]


def test_get_environment_output_becomes_local_create_members() -> None:
    mirrored = create_input_from(output())
    assert mirrored.members == {
        "AirflowConfigurationOptions": {"core.default_timezone": "utc", "celery.worker_autoscale": "5,5"},
        "AirflowVersion": "2.10.3",
        "DagS3Path": "dags",
        "EnvironmentClass": "mw1.medium",
        "ExecutionRoleArn": LOCAL_ROLE,
        "LoggingConfiguration": {
            "DagProcessingLogs": {"Enabled": True, "LogLevel": "WARNING"},
            "SchedulerLogs": {"Enabled": False, "LogLevel": "INFO"},
            "TaskLogs": {"Enabled": True, "LogLevel": "INFO"},
            "WebserverLogs": {"Enabled": False, "LogLevel": "INFO"},
            "WorkerLogs": {"Enabled": False, "LogLevel": "INFO"},
        },
        "MaxWebservers": 2,
        "MaxWorkers": 5,
        "MinWebservers": 2,
        "MinWorkers": 1,
        "Name": "prod-etl",
        "NetworkConfiguration": LOCAL_NETWORK,
        "RequirementsS3Path": "requirements.txt",
        "Schedulers": 2,
        "SourceBucketArn": "arn:aws:s3:::acme-prod-etl-airflow",
        "Tags": {"team": "data", "env": "prod"},
        "WebserverAccessMode": "PRIVATE_ONLY",
        "WeeklyMaintenanceWindowStart": "SUN:02:00",
    }
    assert mirrored.notes == [
        "Ignored output-only members: Arn, CeleryExecutorQueue, CreatedAt, DatabaseVpcEndpointService, "
        "LastUpdate, LoggingConfiguration.DagProcessingLogs.CloudWatchLogGroupArn, "
        "LoggingConfiguration.TaskLogs.CloudWatchLogGroupArn, ServiceRoleArn, Status, WebserverUrl, "
        "WebserverVpcEndpointService.",
        "Replaced cloud-only members with local stand-ins: ExecutionRoleArn, NetworkConfiguration.",
        "Left out cloud-only members: KmsKey, EndpointManagement, RequirementsS3ObjectVersion.",
    ]
    assert build_record(mirrored.members).name == "prod-etl"


def test_create_environment_input_is_taken_as_is_but_cloud_members() -> None:
    given = {
        "Name": "prod-etl",
        "ExecutionRoleArn": "arn:aws:iam::123456789012:role/mwaa",
        "SourceBucketArn": "arn:aws:s3:::acme-prod-etl-airflow",
        "DagS3Path": "dags",
        "NetworkConfiguration": {"SubnetIds": ["subnet-1", "subnet-2"], "SecurityGroupIds": ["sg-1"]},
        "AirflowVersion": "3.0.6",
        "Tags": {"team": "data"},
    }
    mirrored = create_input_from(given)
    assert mirrored.members == {**given, "ExecutionRoleArn": LOCAL_ROLE, "NetworkConfiguration": LOCAL_NETWORK}
    assert mirrored.notes == [
        "Replaced cloud-only members with local stand-ins: ExecutionRoleArn, NetworkConfiguration."
    ]
    assert given["ExecutionRoleArn"] == "arn:aws:iam::123456789012:role/mwaa"  # the input is left alone


def test_local_values_need_no_note() -> None:
    assert create_input_from({"Name": "a", "ExecutionRoleArn": LOCAL_ROLE}).notes == []
    assert create_input_from({}).members == {}


def test_an_unsupported_version_names_the_supported_ones_and_the_option() -> None:
    data = output()
    data["Environment"]["AirflowVersion"] = "2.4.3"
    with pytest.raises(EnvironmentConfigError) as caught:
        create_input_from(data)
    assert caught.value.message == (
        "Environment prod-etl runs Airflow 2.4.3, which mwaa-local does not support. "
        "Supported versions: 2.9.2, 2.10.1, 2.10.3, 2.11.0, 2.11.2, 3.0.6, 3.2.1, 3.3.1."
    )
    assert (
        caught.value.hint
        == "Pick one with --airflow-version, e.g. `mwaa-local create --from FILE --airflow-version 3.3.1`."
    )
    assert caught.value.aws_code == "ValidationException"


def test_airflow_version_option_picks_the_version() -> None:
    data = output()
    data["Environment"]["AirflowVersion"] = "2.4.3"
    mirrored = create_input_from(data, airflow_version="2.10.3")
    assert mirrored.members["AirflowVersion"] == "2.10.3"
    assert mirrored.notes[-1] == "AirflowVersion 2.4.3 replaced by 2.10.3."
    with pytest.raises(EnvironmentConfigError, match=r"^--airflow-version asks for Airflow 9\.9, which mwaa-local"):
        create_input_from(data, airflow_version="9.9")


@pytest.mark.parametrize("data", [[], "prod-etl", None])
def test_anything_but_an_object_is_refused(data: object) -> None:
    with pytest.raises(EnvironmentConfigError) as caught:
        create_input_from(data)
    assert caught.value.message == (
        "The file must hold a JSON object: a CreateEnvironment input or GetEnvironment's output."
    )


def test_an_environment_without_tags_mirrors_without_them() -> None:
    """GetEnvironment prints `"Tags": {}`; CreateEnvironment's model refuses an empty map."""
    data = json.loads(GET_ENVIRONMENT_OUTPUT)
    data["Environment"]["Tags"] = {}
    members = create_input_from(data).members
    assert "Tags" not in members
    assert build_record(members).fields.get("Tags") in (None, {})
