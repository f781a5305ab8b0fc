"""The region's CloudWatch Logs, CloudWatch, Secrets Manager and SSM on the MWAA API's port:
boto3 unchanged against them, the signature and the caller's policy checked per action and
resource (an execution role gets MWAA's default policy), and their state kept on disk."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from emulator.model.aws_services import SERVICES
from emulator.service.api.backend import InMemoryOperations
from emulator.service.api.server import ServerThread
from emulator.service.aws.app import AwsServicesApp
from emulator.service.aws.backends import MotoBackends
from emulator.service.iam.access import AccessControl
from emulator.service.iam.principals import Principals, admin
from emulator.service.iam.roles import ExecutionRoles
from tests.unit.service.api_access import ACCESS_KEY, SECRET_KEY
from tests.unit.service.test_execution_roles import ROLE_CALLER, attach, started
from tests.unit.service.test_iam import client as mwaa_client
from tests.unit.service.test_iam import error_of


def reset_moto() -> None:
    """moto's backends live in the process: each test starts from empty ones."""
    from moto.backends import get_backend

    for service in SERVICES:
        if service.client != "ssm":  # importing SSM's model costs a second; the tests using it reset it
            get_backend(service.client).reset()  # type: ignore[call-overload]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def backends(home: Path) -> Iterator[MotoBackends]:
    reset_moto()
    yield MotoBackends(home / "region" / "aws-services")
    reset_moto()


@pytest.fixture
def server(home: Path, backends: MotoBackends) -> Iterator[ServerThread]:
    principals = Principals(lambda: admin(ACCESS_KEY, SECRET_KEY), home / "principals.json", ExecutionRoles(home))
    access = AccessControl(principals)
    with ServerThread(InMemoryOperations(), access, aws=AwsServicesApp(backends, access)) as running:
        yield running


def aws(server: ServerThread, service: str, key: str = ACCESS_KEY, secret: str = SECRET_KEY) -> Any:
    return boto3.client(
        service,
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=Config(retries={"total_max_attempts": 1}),
    )


def test_each_service_answers_boto3_beside_the_mwaa_api(server: ServerThread) -> None:
    logs = aws(server, "logs")
    logs.create_log_group(logGroupName="airflow-dev-Task")
    logs.create_log_stream(logGroupName="airflow-dev-Task", logStreamName="one")
    now = int(time.time() * 1000)
    logs.put_log_events(
        logGroupName="airflow-dev-Task", logStreamName="one", logEvents=[{"timestamp": now, "message": "hello"}]
    )
    events = logs.get_log_events(logGroupName="airflow-dev-Task", logStreamName="one")["events"]
    assert [event["message"] for event in events] == ["hello"]
    group = logs.describe_log_groups()["logGroups"][0]
    assert group["arn"] == "arn:aws:logs:us-east-1:000000000000:log-group:airflow-dev-Task:*"

    cloudwatch = aws(server, "cloudwatch")  # CBOR with today's botocore
    metric = {"MetricName": "SchedulerHeartbeat", "Dimensions": [{"Name": "Function", "Value": "Scheduler"}]}
    cloudwatch.put_metric_data(Namespace="AmazonMWAA", MetricData=[{**metric, "Value": 1.0}])
    assert cloudwatch.list_metrics(Namespace="AmazonMWAA")["Metrics"] == [{"Namespace": "AmazonMWAA", **metric}]

    secrets = aws(server, "secretsmanager")
    created = secrets.create_secret(Name="airflow/connections/db", SecretString="postgresql://x")
    assert created["ARN"].startswith("arn:aws:secretsmanager:us-east-1:000000000000:secret:airflow/connections/db-")
    assert secrets.get_secret_value(SecretId="airflow/connections/db")["SecretString"] == "postgresql://x"

    assert mwaa_client(server.url).list_environments()["Environments"] == []


def test_unsigned_or_unknown_keys_are_refused_in_the_services_protocol(server: ServerThread) -> None:
    refused = error_of(aws(server, "logs", "AKIANOBODY0000000000", "x").describe_log_groups)
    assert refused == {
        "Code": "UnrecognizedClientException",
        "Message": "The security token included in the request is invalid.",
    }
    wrong_secret = error_of(aws(server, "secretsmanager", ACCESS_KEY, "not-the-secret").list_secrets)
    assert wrong_secret["Code"] == "InvalidSignatureException"
    assert wrong_secret["Message"].startswith("The request signature we calculated does not match")


def test_an_execution_role_gets_mwaas_default_policy_and_what_its_file_grants(home: Path, server: ServerThread) -> None:
    keys = started(home, "dev").role_credentials()
    as_role = {"key": keys.access_key, "secret": keys.secret_key}
    aws(server, "logs").create_log_group(logGroupName="airflow-prod-Task")
    aws(server, "secretsmanager").create_secret(Name="airflow/connections/db", SecretString="x")

    logs = aws(server, "logs", **as_role)
    logs.create_log_group(logGroupName="airflow-dev-Task")  # its own environment's groups
    logs.create_log_stream(logGroupName="airflow-dev-Task", logStreamName="s")
    refused = error_of(logs.create_log_stream, logGroupName="airflow-prod-Task", logStreamName="s")
    assert refused == {
        "Code": "AccessDeniedException",
        "Message": f"User: {ROLE_CALLER} is not authorized to perform: logs:CreateLogStream on resource: "
        "arn:aws:logs:us-east-1:000000000000:log-group:airflow-prod-Task because no identity-based policy allows "
        "the logs:CreateLogStream action",
    }
    cloudwatch = aws(server, "cloudwatch", **as_role)
    cloudwatch.put_metric_data(Namespace="AmazonMWAA", MetricData=[{"MetricName": "X", "Value": 1.0}])
    denied_read = error_of(cloudwatch.list_metrics)
    assert denied_read["Code"] == "AccessDenied"  # CloudWatch's query-era code, in CBOR
    assert "cloudwatch:ListMetrics because" in denied_read["Message"]

    secrets = aws(server, "secretsmanager", **as_role)
    refused = error_of(secrets.get_secret_value, SecretId="airflow/connections/db")
    assert refused["Code"] == "AccessDeniedException"
    assert (
        "secretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:us-east-1:000000000000:secret:"
        in (refused["Message"])
    )
    grant = "arn:aws:secretsmanager:us-east-1:000000000000:secret:airflow/connections/*"
    attach(home, {"Statement": [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": grant}]})
    assert secrets.get_secret_value(SecretId="airflow/connections/db")["SecretString"] == "x"


def test_parameters_by_name_and_path(home: Path, server: ServerThread) -> None:
    from moto.backends import get_backend

    get_backend("ssm").reset()  # type: ignore[call-overload]
    ssm = aws(server, "ssm")
    ssm.put_parameter(Name="/airflow/variables/greeting", Value="hello", Type="String")
    assert ssm.get_parameter(Name="/airflow/variables/greeting")["Parameter"]["Value"] == "hello"
    keys = started(home, "dev").role_credentials()
    refused = error_of(
        aws(server, "ssm", keys.access_key, keys.secret_key).get_parameter, Name="/airflow/variables/greeting"
    )
    assert (
        "ssm:GetParameter on resource: arn:aws:ssm:us-east-1:000000000000:parameter/airflow/variables/greeting"
        in (refused["Message"])
    )
    get_backend("ssm").reset()  # type: ignore[call-overload]


def test_state_is_saved_and_loaded_by_the_next_control_plane(
    home: Path, server: ServerThread, backends: MotoBackends
) -> None:
    aws(server, "secretsmanager").create_secret(Name="kept", SecretString="across restarts")
    aws(server, "logs").create_log_group(logGroupName="airflow-dev-Scheduler")
    backends.save()
    assert sorted(path.name for path in backends.directory.iterdir()) == ["logs.pickle", "secretsmanager.pickle"]
    assert all(path.stat().st_mode & 0o077 == 0 for path in backends.directory.iterdir())
    reset_moto()  # as a new process starts

    again = MotoBackends(backends.directory)
    assert again.backend(SERVICES[2]).secrets.get("kept").secret_string == "across restarts"
    assert "airflow-dev-Scheduler" in again.backend(SERVICES[0]).groups


def test_a_damaged_state_file_is_kept_aside_and_the_service_starts_empty(tmp_path: Path) -> None:
    reset_moto()
    directory = tmp_path / "aws-services"
    directory.mkdir()
    (directory / "logs.pickle").write_bytes(b"not a pickle")
    backend = MotoBackends(directory).backend(SERVICES[0])
    assert backend.groups == {}
    assert (directory / "logs.unreadable").read_bytes() == b"not a pickle"


def test_an_environments_enabled_groups_are_made_with_the_regions_retention(
    server: ServerThread, backends: MotoBackends
) -> None:
    from emulator.model.record import build_record
    from emulator.service.aws.log_groups import EnvironmentLogGroups

    groups = EnvironmentLogGroups(backends)
    record = build_record(
        {"Name": "dev", "LoggingConfiguration": {"WorkerLogs": {"Enabled": True, "LogLevel": "DEBUG"}}}
    )
    assert groups.prepare(record) == ["airflow-dev-Task", "airflow-dev-Worker"]  # Task logs are on by default
    assert groups.prepare(record) == []
    described = aws(server, "logs").describe_log_groups(logGroupNamePrefix="airflow-dev-")["logGroups"]
    assert [(group["logGroupName"], group["retentionInDays"]) for group in described] == [
        ("airflow-dev-Task", 7),
        ("airflow-dev-Worker", 7),
    ]


def test_events_older_than_their_groups_retention_are_dropped(server: ServerThread, backends: MotoBackends) -> None:
    from emulator.service.aws.log_groups import DAY_MS, EnvironmentLogGroups

    logs = aws(server, "logs")
    now_ms = int(time.time() * 1000)
    for group, retention in (("kept-a-day", 1), ("kept-forever", None)):
        logs.create_log_group(logGroupName=group)
        if retention:
            logs.put_retention_policy(logGroupName=group, retentionInDays=retention)
        logs.create_log_stream(logGroupName=group, logStreamName="s")
        events = [{"timestamp": now_ms - 2 * DAY_MS, "message": "old"}, {"timestamp": now_ms, "message": "new"}]
        logs.put_log_events(logGroupName=group, logStreamName="s", logEvents=events)

    assert EnvironmentLogGroups(backends).expire() == 1
    messages = {
        group: [event["message"] for event in logs.get_log_events(logGroupName=group, logStreamName="s")["events"]]
        for group in ("kept-a-day", "kept-forever")
    }
    assert messages == {"kept-a-day": ["new"], "kept-forever": ["old", "new"]}


def test_airflow_statsd_lines_become_one_datapoint_per_metric_and_period(
    server: ServerThread, backends: MotoBackends
) -> None:
    import socket
    import threading
    from datetime import UTC, datetime, timedelta

    from emulator.service.aws.metrics import AirflowMetrics

    metrics = AirflowMetrics(backends)
    stop = threading.Event()
    port = metrics.start(stop, ("127.0.0.1", 0))
    lines = ["dev.scheduler_heartbeat:1|c"] * 3 + ["dev.executor.running_tasks:2|g", "dev.executor.running_tasks:1|g"]
    lines += [
        "dev.dagrun.duration.success.it_xcom:100|ms",
        "dev.dagrun.duration.success.it_xcom:300|ms",
        "dev.other:1|c",
    ]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        for line in lines:
            sender.sendto(line.encode(), ("127.0.0.1", port))
    deadline = time.monotonic() + 10
    while sum(a.count for a in list(metrics.pending.values())) < 7 and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    assert metrics.flush() == 3

    cloudwatch = aws(server, "cloudwatch")
    listed = cloudwatch.list_metrics(Namespace="AmazonMWAA", Dimensions=[{"Name": "Environment", "Value": "dev"}])
    assert sorted(metric["MetricName"] for metric in listed["Metrics"]) == [
        "DAGDurationSuccess",
        "RunningTasks",
        "SchedulerHeartbeat",
    ]

    def stat(name: str, dimensions: list[tuple[str, str]], statistic: str) -> list[float]:
        now = datetime.now(UTC)
        found = cloudwatch.get_metric_data(
            MetricDataQueries=[
                {
                    "Id": "m",
                    "MetricStat": {
                        "Metric": {
                            "Namespace": "AmazonMWAA",
                            "MetricName": name,
                            "Dimensions": [{"Name": k, "Value": v} for k, v in [("Environment", "dev"), *dimensions]],
                        },
                        "Period": 60,
                        "Stat": statistic,
                    },
                }
            ],
            StartTime=now - timedelta(minutes=5),
            EndTime=now + timedelta(minutes=1),
        )
        return list(found["MetricDataResults"][0]["Values"])

    assert stat("SchedulerHeartbeat", [("Function", "Scheduler")], "Sum") == [3.0]  # a counter's sum
    assert stat("RunningTasks", [("Function", "Executor")], "Maximum") == [1.0]  # a gauge's last value
    assert stat("DAGDurationSuccess", [("DAG", "it_xcom")], "Average") == [200.0]  # a timer's statistics
    assert metrics.expire() == 0
    metrics.clock = lambda: time.time() + 7 * 3600  # past the retention
    assert metrics.expire() == 3


def test_component_lines_go_to_existing_groups_only(server: ServerThread, backends: MotoBackends) -> None:
    from emulator.service.aws.component_logs import ComponentLogShipper
    from emulator.state.settings import Naming

    logs = aws(server, "logs")
    logs.create_log_group(logGroupName="airflow-dev-Scheduler")
    shipper = ComponentLogShipper(backends, dict, Naming())
    now = int(time.time() * 1000)
    shipper.pending = [
        ("airflow-dev-Scheduler", "scheduler_10.0.0.5", now, "first"),
        ("airflow-dev-Scheduler", "scheduler_10.0.0.5", now + 1, "second"),
        ("airflow-dev-Worker", "worker_10.0.0.6", now, "no group: the type is disabled"),
    ]
    assert shipper.flush() == 2
    events = logs.get_log_events(logGroupName="airflow-dev-Scheduler", logStreamName="scheduler_10.0.0.5")["events"]
    assert [(event["timestamp"], event["message"]) for event in events] == [(now, "first"), (now + 1, "second")]
    assert shipper.flush() == 0


def test_the_cluster_and_queue_readings_go_to_aws_mwaa_once_a_period(
    server: ServerThread, backends: MotoBackends
) -> None:
    from emulator.model.record import build_record
    from emulator.service.aws.cluster_metrics import ClusterMetrics, ClusterReading
    from emulator.service.aws.container_usage import Utilization
    from emulator.service.aws.database_usage import DatabaseReading

    now = [1_000_000.0]
    usage = {"Scheduler": Utilization(cpu=None, memory=12.5), "BaseWorker": Utilization(cpu=40.0, memory=30.0)}
    database = DatabaseReading(connections=9, cpu=None, write_iops=3.5, freeable_memory=2**30)
    metrics = ClusterMetrics(backends, readings=lambda record: (usage, database), clock=lambda: now[0])
    record = build_record({"Name": "dev", "Schedulers": 2})
    reading = ClusterReading(workers=3, queued=4, running=5, oldest_queued_seconds=7)
    assert metrics.publish(record, reading)
    assert not metrics.publish(record, reading), "once per period"
    listed = aws(server, "cloudwatch").list_metrics(Namespace="AWS/MWAA")["Metrics"]
    found = {
        metric["MetricName"]: {dimension["Name"]: dimension["Value"] for dimension in metric["Dimensions"]}
        for metric in listed
    }
    assert found["NumAdditionalWorkers"] == {"Environment": "dev", "Cluster": "AdditionalWorker"}
    assert found["ApproximateNumberOfMessagesVisible"] == {"Environment": "dev", "Queue": "airflow-celery-dev"}
    assert set(found) == {
        "NumWorkers",
        "NumAdditionalWorkers",
        "NumSchedulers",
        "NumWebServers",
        "ApproximateNumberOfMessagesVisible",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateAgeOfOldestMessage",
        "CPUUtilization",
        "MemoryUtilization",
        "DatabaseConnections",
        "FreeableMemory",
        "WriteIOPS",
    }
    assert found["DatabaseConnections"] == {"Environment": "dev", "Role": "WRITER"}
    data = backends.backend(SERVICES[1]).metric_data
    by_role = {
        datum.name: (datum.value, datum.unit)
        for datum in data
        if {d.name for d in datum.dimensions} == {"Environment", "Role"}
    }
    assert by_role == {
        "DatabaseConnections": (9.0, "Count"),
        "FreeableMemory": (float(2**30), "Bytes"),
        "WriteIOPS": (3.5, "Count/Second"),
    }, "the database's CPU waits for a second reading"
    utilization = {
        (datum.name, {d.name: d.value for d in datum.dimensions}["Cluster"]): (datum.value, datum.unit)
        for datum in data
        if datum.name.endswith("Utilization")
    }
    assert utilization == {
        ("MemoryUtilization", "Scheduler"): (12.5, "Percent"),
        ("CPUUtilization", "BaseWorker"): (40.0, "Percent"),
        ("MemoryUtilization", "BaseWorker"): (30.0, "Percent"),
    }, "no CPU datapoint before a second reading"
    values = {datum.name: datum.value for datum in backends.backend(SERVICES[1]).metric_data}
    assert (
        values["NumAdditionalWorkers"],
        values["NumSchedulers"],
        values["ApproximateNumberOfMessagesNotVisible"],
        values["ApproximateAgeOfOldestMessage"],
    ) == (2.0, 2.0, 5.0, 7.0)


def test_a_metric_with_several_dimensions_is_listed_once_however_many_datapoints(server: ServerThread) -> None:
    cloudwatch = aws(server, "cloudwatch")
    dimensions = [{"Name": "Environment", "Value": "dev"}, {"Name": "Function", "Value": "Scheduler"}]
    for value in range(3):
        cloudwatch.put_metric_data(
            Namespace="AmazonMWAA",
            MetricData=[{"MetricName": "SchedulerHeartbeat", "Dimensions": dimensions[::-1], "Value": float(value)}],
        )
    other = [{"Name": "Environment", "Value": "dev"}, {"Name": "Function", "Value": "Executor"}]
    cloudwatch.put_metric_data(
        Namespace="AmazonMWAA", MetricData=[{"MetricName": "SchedulerHeartbeat", "Dimensions": other, "Value": 1.0}]
    )
    listed = cloudwatch.list_metrics(Namespace="AmazonMWAA", Dimensions=[{"Name": "Environment", "Value": "dev"}])
    functions = sorted(
        next(d["Value"] for d in metric["Dimensions"] if d["Name"] == "Function") for metric in listed["Metrics"]
    )
    assert functions == ["Executor", "Scheduler"], "one metric per set of dimensions (moto lists one per datapoint)"
