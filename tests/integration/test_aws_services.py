"""The region's CloudWatch Logs, CloudWatch and Secrets Manager / SSM as MWAA users meet them: a
task's log lines in the environment's Task group (read with boto3, the aws CLI and Airflow's own UI
log endpoint), Airflow's metrics under MWAA's names, and a DAG's connection and variables from
Secrets Manager and SSM through MWAA's documented configuration, refused until the execution role
is granted them."""

from __future__ import annotations

import os
import secrets
import subprocess
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import botocore.exceptions

from tests.support import Environment, env_exports, mwaa_client, role_grants, wait_for


def aws(exports: dict[str, str], service: str) -> Any:
    """A boto3 client configured only by `mwaa-local env`'s exports, as a user's code gets it."""
    session = boto3.session.Session(
        aws_access_key_id=exports["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=exports["AWS_SECRET_ACCESS_KEY"],
        region_name=exports["AWS_DEFAULT_REGION"],
    )
    variable = {"logs": "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", "secretsmanager": "AWS_ENDPOINT_URL_SECRETS_MANAGER"}
    endpoint = exports[variable.get(service, f"AWS_ENDPOINT_URL_{service.upper()}")]
    return session.client(service, endpoint_url=endpoint)


def aws_cli(exports: dict[str, str], *arguments: str) -> str:
    environ = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")} | exports
    done = subprocess.run(["aws", *arguments], capture_output=True, text=True, env=environ, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def stream_events(logs: Any, group: str, stream: str) -> list[str]:
    try:
        return [event["message"] for event in logs.get_log_events(logGroupName=group, logStreamName=stream)["events"]]
    except botocore.exceptions.ClientError as error:
        if error.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
        return []


def test_a_tasks_log_lines_are_in_the_task_group_at_its_level(environment: Environment) -> None:
    environment.ensure_dag("it_logs")
    exports = env_exports(environment)
    marker = secrets.token_hex(6)
    run = f"it_logs_{marker}"
    assert environment.run_dag("it_logs", run, {"marker": marker}) == "success"

    group = f"airflow-{environment.name}-Task"
    stream = f"dag_id=it_logs/run_id={run}/task_id=speak/attempt=1.log"
    logs = aws(exports, "logs")
    lines = wait_for(
        lambda: (found := stream_events(logs, group, stream)) and any(marker in line for line in found) and found,
        60,
        f"the task's lines in {group}/{stream}",
    )
    text = "\n".join(lines)
    assert f"info line {marker}" in text
    at_debug = environment.version.startswith("2.")  # the stacks' TaskLogs level (tests/conftest.py)
    assert (f"debug line {marker}" in text) == at_debug, f"Task logs at {'DEBUG' if at_debug else 'INFO'}"

    # `aws logs tail` (CLI v2) reads with FilterLogEvents, as v1's filter-log-events does.
    filtered = aws_cli(exports, "logs", "filter-log-events", "--log-group-name", group, "--filter-pattern", marker)
    assert f"info line {marker}" in filtered

    # The UI's log endpoint (through InvokeRestApi): Airflow's CloudWatch handler reads it back.
    path = f"/dags/it_logs/dagRuns/{run}/taskInstances/speak/logs/1"
    shown = mwaa_client(exports).invoke_rest_api(Name=environment.name, Method="GET", Path=path)["RestApiResponse"]
    content = str(shown.get("content", shown))
    assert f"info line {marker}" in content
    assert group in content, "the log names the CloudWatch group it was read from"


def test_a_dag_reads_secrets_as_its_role_once_granted(environment: Environment) -> None:
    environment.ensure_dag("it_secrets")
    exports = env_exports(environment)
    suffix = secrets.token_hex(4)
    names = {"connection": f"it_conn_{suffix}", "variable": f"it_var_{suffix}", "ssm_variable": f"it_ssm_{suffix}"}
    secretsmanager, ssm = aws(exports, "secretsmanager"), aws(exports, "ssm")
    secretsmanager.create_secret(
        Name=f"airflow/connections/{names['connection']}", SecretString=f"postgresql://user:pw@db-{suffix}:5432/x"
    )
    secretsmanager.create_secret(Name=f"airflow/variables/{names['variable']}", SecretString=f"value-{suffix}")
    ssm.put_parameter(Name=f"/airflow/variables/{names['ssm_variable']}", Value=f"ssm-{suffix}", Type="String")

    def outcomes() -> dict[str, Any]:
        run = f"it_secrets_{secrets.token_hex(3)}"
        assert environment.run_dag("it_secrets", run, names) == "success", environment.task_log("it_secrets", run)
        return environment.xcoms("it_secrets", run)

    refused = outcomes()
    assert refused == {
        "connection_host": "AirflowNotFoundException",  # the backend's AccessDenied is logged, then skipped
        "variable": "missing",
        "ssm_variable": "AccessDeniedException",
        "secret_by_boto3": "AccessDeniedException",
    }
    grants = (
        {
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": "arn:aws:secretsmanager:us-east-1:000000000000:secret:airflow/*",
        },
        {
            "Effect": "Allow",
            "Action": "ssm:GetParameter",
            "Resource": "arn:aws:ssm:us-east-1:000000000000:parameter/airflow/*",
        },
    )
    with role_grants(*grants):
        assert outcomes() == {
            "connection_host": f"db-{suffix}",
            "variable": f"value-{suffix}",
            "ssm_variable": f"ssm-{suffix}",
            "secret_by_boto3": f"value-{suffix}",
        }


def datapoints(
    cloudwatch: Any, namespace: str, name: str, dimensions: list[dict[str, str]], statistic: str
) -> list[float]:
    """A metric's values of the last ten minutes, a minute apart, as GetMetricData answers."""
    now = datetime.now(UTC)
    query = {
        "Id": "wanted",
        "MetricStat": {
            "Metric": {"Namespace": namespace, "MetricName": name, "Dimensions": dimensions},
            "Period": 60,
            "Stat": statistic,
        },
    }
    answer = cloudwatch.get_metric_data(
        MetricDataQueries=[query], StartTime=now - timedelta(minutes=10), EndTime=now + timedelta(minutes=1)
    )
    return [float(value) for value in answer["MetricDataResults"][0]["Values"]]


def test_airflow_metrics_reach_cloudwatch_under_mwaas_names(environment: Environment) -> None:
    environment.ensure_dag("it_logs")
    run = f"it_logs_{secrets.token_hex(4)}"
    assert environment.run_dag("it_logs", run, {"marker": run}) == "success"
    cloudwatch = aws(env_exports(environment), "cloudwatch")
    mine = [{"Name": "Environment", "Value": environment.name}]

    def published() -> set[str]:
        listed = cloudwatch.get_paginator("list_metrics").paginate(Namespace="AmazonMWAA", Dimensions=mine)
        return {metric["MetricName"] for page in listed for metric in page["Metrics"]}

    by_dag = [*mine, {"Name": "DAG", "Value": "it_logs"}]

    def this_dags_duration() -> list[object]:
        # Other tests' DAGs publish DAGDurationSuccess too: this run's must be under its own DAG.
        return cloudwatch.list_metrics(Namespace="AmazonMWAA", MetricName="DAGDurationSuccess", Dimensions=by_dag)[
            "Metrics"
        ]

    expected = {"SchedulerHeartbeat", "RunningTasks", "QueuedTasks", "OpenSlots", "DagBagSize"}
    wait_for(lambda: expected <= published(), 90, f"{sorted(expected)} in AmazonMWAA", interval=5)
    wait_for(this_dags_duration, 90, "the run's duration published under its DAG", interval=5)

    beats = datapoints(
        cloudwatch, "AmazonMWAA", "SchedulerHeartbeat", [*mine, {"Name": "Function", "Value": "Scheduler"}], "Sum"
    )
    assert sum(beats) > 0, "the schedulers beat"

    def cluster() -> set[str]:
        return {
            metric["MetricName"] for metric in cloudwatch.list_metrics(Namespace="AWS/MWAA", Dimensions=mine)["Metrics"]
        }

    wanted = {
        "NumWorkers",
        "NumSchedulers",
        "NumWebServers",
        "ApproximateNumberOfMessagesVisible",
        "ApproximateAgeOfOldestMessage",
        "CPUUtilization",  # from the second reading of the containers on, 30 s after the first
        "MemoryUtilization",
        "DatabaseConnections",
        "FreeableMemory",
        "WriteIOPS",  # a rate: from the second reading on too
    }
    seen: set[str] = set()

    def complete() -> bool:
        seen.update(cluster())
        return wanted <= seen

    try:
        wait_for(complete, 90, "the autoscaler's and the containers' readings in AWS/MWAA", interval=5)
    except AssertionError as missing:
        raise AssertionError(f"{missing}; missing {sorted(wanted - seen)}") from None
    scheduler = [*mine, {"Name": "Cluster", "Value": "Scheduler"}]
    used = datapoints(cloudwatch, "AWS/MWAA", "MemoryUtilization", scheduler, "Maximum")
    assert used and 0 < max(used) < 100, f"the schedulers use part of their 4 GiB: {used}"
    writer = [*mine, {"Name": "Role", "Value": "WRITER"}]
    connections = datapoints(cloudwatch, "AWS/MWAA", "DatabaseConnections", writer, "Maximum")
    assert connections and max(connections) >= 3, f"Airflow holds connections: {connections}"
    writes = datapoints(cloudwatch, "AWS/MWAA", "WriteIOPS", writer, "Maximum")
    assert writes and max(writes) > 0, f"the scheduler's heartbeats write to the database: {writes}"


def test_components_write_to_their_enabled_groups_at_their_level(environment: Environment) -> None:
    """The stacks log the scheduler at INFO, the worker at WARNING, the web server not at all."""
    logs = aws(env_exports(environment), "logs")
    prefix = f"airflow-{environment.name}-"
    groups = {group["logGroupName"] for group in logs.describe_log_groups(logGroupNamePrefix=prefix)["logGroups"]}
    enabled = {prefix + "Task", prefix + "Scheduler", prefix + "Worker", prefix + "DAGProcessing"}
    assert groups == enabled, "only enabled types have a group"

    def scheduler_lines() -> list[str]:
        streams = logs.describe_log_streams(logGroupName=prefix + "Scheduler")["logStreams"]
        found = [stream["logStreamName"] for stream in streams if stream["logStreamName"].startswith("scheduler_")]
        return [line for stream in found for line in stream_events(logs, prefix + "Scheduler", stream)]

    lines = wait_for(scheduler_lines, 60, "the scheduler's lines in its group", interval=3)
    assert any(" INFO " in line.upper() or "[INFO" in line.upper() for line in lines), lines[:5]
    worker_streams = logs.describe_log_streams(logGroupName=prefix + "Worker")["logStreams"]
    worker_lines = [
        line
        for stream in worker_streams
        if stream["logStreamName"].startswith("worker_")
        for line in stream_events(logs, prefix + "Worker", stream["logStreamName"])
    ]
    assert not [line for line in worker_lines if " INFO " in line or "[info" in line or "/INFO" in line], worker_lines[
        :5
    ]
