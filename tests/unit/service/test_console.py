"""The local console on the control plane's port: never open, a principal's view of the
environments, plots from CloudWatch, a log group's latest lines, and the Airflow UI through a
web login token, all through the region's own APIs with the signed-in principal's keys."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from emulator.model import tokens
from emulator.service.api.backend import InMemoryOperations
from emulator.service.api.server import ServerThread
from emulator.service.aws.app import AwsServicesApp
from emulator.service.aws.backends import MotoBackends
from emulator.service.console.app import Console
from emulator.service.console.charts import nice_top, plot
from emulator.service.console.session import COOKIE, INVALID_KEYS, Sessions
from emulator.service.iam.access import AccessControl
from emulator.service.iam.principals import Principals, admin
from emulator.service.iam.roles import ExecutionRoles
from tests.unit.service.api_access import ACCESS_KEY, SECRET_KEY
from tests.unit.service.test_aws_services import aws, reset_moto

VIEWER_KEY, VIEWER_SECRET = "CONSOLEVIEWER001", "console-viewer-secret"
LOGGING = {
    "TaskLogs": {"Enabled": True, "LogLevel": "INFO"},
    "SchedulerLogs": {"Enabled": True, "LogLevel": "WARNING"},
}


@pytest.fixture
def operations() -> InMemoryOperations:
    operations = InMemoryOperations()
    operations.create_environment(
        {
            "Name": "dev",
            "ExecutionRoleArn": "arn:aws:iam::000000000000:role/r",
            "SourceBucketArn": "arn:aws:s3:::bucket-one",
            "DagS3Path": "dags",
            "NetworkConfiguration": {"SubnetIds": ["subnet-a", "subnet-b"], "SecurityGroupIds": ["sg-a"]},
            "LoggingConfiguration": LOGGING,
            "AirflowConfigurationOptions": {"core.default_task_retries": "2"},
        }
    )
    operations.settle()
    return operations


@pytest.fixture
def server(tmp_path: Path, operations: InMemoryOperations) -> Iterator[ServerThread]:
    reset_moto()
    principals = Principals(
        lambda: admin(ACCESS_KEY, SECRET_KEY), tmp_path / "principals.json", ExecutionRoles(tmp_path)
    )
    access = AccessControl(principals)
    aws_services = AwsServicesApp(MotoBackends(tmp_path / "aws-services"), access)
    console = Console(Sessions(principals)).app()
    with ServerThread(operations, access, aws=aws_services, console=console) as running:
        yield running
    reset_moto()


def browser(server: ServerThread, key: str = ACCESS_KEY, secret: str = SECRET_KEY) -> requests.Session:
    """A session signed in to the console through its form, as a browser is."""
    session = requests.Session()
    answer = session.post(
        f"{server.url}/console/sign-in",
        data={"access_key": key, "secret_key": secret, "next": "/console/"},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/console/", answer.text
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/console" in cookie
    return session


def test_no_page_is_open_without_signing_in(server: ServerThread) -> None:
    forged = requests.Session()
    forged.cookies.set(COOKIE, "Q09OU09MRQ.9999999999.bm90LWEtc2lnbmF0dXJl", path="/console")
    for client in (requests.Session(), forged):
        for method, path in (
            ("GET", "/console/"),
            ("GET", "/console/environments/dev"),
            ("GET", "/console/environments/dev/logs/TaskLogs"),
            ("POST", "/console/environments/dev/airflow-ui"),
        ):
            answer = client.request(method, server.url + path, allow_redirects=False, timeout=10)
            assert answer.status_code == 303, (method, path, answer.status_code)
            assert answer.headers["location"] == f"/console/sign-in?next={path}"


def test_wrong_keys_are_refused_with_no_session(server: ServerThread, tmp_path: Path) -> None:
    for key, secret in ((ACCESS_KEY, "not-the-secret"), ("AKIANOBODY0000000000", SECRET_KEY), ("", "")):
        answer = requests.post(
            f"{server.url}/console/sign-in",
            data={"access_key": key, "secret_key": secret},
            allow_redirects=False,
            timeout=10,
        )
        assert answer.status_code == 401 and INVALID_KEYS in answer.text
        assert "set-cookie" not in answer.headers


def test_signing_in_returns_only_to_a_console_page(server: ServerThread) -> None:
    for asked in ("https://elsewhere.example/", "//elsewhere.example/console/", "/environments"):
        answer = requests.post(
            f"{server.url}/console/sign-in",
            data={"access_key": ACCESS_KEY, "secret_key": SECRET_KEY, "next": asked},
            allow_redirects=False,
            timeout=10,
        )
        assert answer.headers["location"] == "/console/", asked


def test_the_environments_page_lists_status_version_and_class(
    server: ServerThread, operations: InMemoryOperations
) -> None:
    record = operations.get_environment({"Name": "dev"})["Environment"]
    page = browser(server).get(f"{server.url}/console/", timeout=10)
    assert page.status_code == 200
    row = re.search(r"<tr>\s*<td><a href=\"/console/environments/dev\">dev</a></td>(.*?)</tr>", page.text, re.S)
    assert row, page.text
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", row.group(1))
    assert cells[:3] == ["AVAILABLE", record["AirflowVersion"], "mw1.small"]
    assert "Open Airflow UI" in row.group(1)
    assert "Signed in as user/mwaa-local-admin" in page.text


def put_metric(server: ServerThread, namespace: str, name: str, dimension: tuple[str, str], points: list[Any]) -> None:
    aws(server, "cloudwatch").put_metric_data(
        Namespace=namespace,
        MetricData=[
            {
                "MetricName": name,
                "Dimensions": [{"Name": "Environment", "Value": "dev"}, {"Name": dimension[0], "Value": dimension[1]}],
                "Timestamp": at,
                "Value": value,
            }
            for at, value in points
        ],
    )


def plot_points(page: str, title: str) -> list[tuple[float, float]]:
    plot = re.search(rf'<div class="plot" data-metric="{title}" data-points="(\d+)">(.*?)</svg>', page, re.S)
    assert plot, f"no plot {title}"
    points = [
        (float(x), float(y)) for x, y in re.findall(r'<circle class="point" cx="([\d.]+)" cy="([\d.]+)"', plot[2])
    ]
    assert len(points) == int(plot[1])
    return points


def test_an_environments_page_plots_its_metrics_and_links_its_enabled_log_groups(server: ServerThread) -> None:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    earlier, later = now - timedelta(minutes=30), now - timedelta(minutes=5)
    put_metric(server, "AmazonMWAA", "SchedulerHeartbeat", ("Function", "Scheduler"), [(earlier, 12), (later, 6)])
    put_metric(server, "AWS/MWAA", "NumWorkers", ("Cluster", "BaseWorker"), [(earlier, 1), (later, 1)])
    put_metric(server, "AWS/MWAA", "NumAdditionalWorkers", ("Cluster", "AdditionalWorker"), [(earlier, 0), (later, 3)])
    put_metric(server, "AmazonMWAA", "SchedulerHeartbeat", ("Function", "Scheduler"), [(now - timedelta(hours=3), 50)])

    page = browser(server).get(f"{server.url}/console/environments/dev", timeout=10).text
    heartbeat = plot_points(page, "Scheduler heartbeat")
    assert len(heartbeat) == 2, "the two datapoints of the last hour, not the older one"
    assert heartbeat[0][0] < heartbeat[1][0] and heartbeat[0][1] < heartbeat[1][1], "12 drawn higher than 6"
    assert "latest 6" in page
    workers = plot_points(page, "Workers")
    assert len(workers) == 2 and "latest 4" in page, "base and additional workers added up"
    assert plot_points(page, "Queued tasks") == []
    assert 'href="/console/environments/dev/logs/TaskLogs">airflow-dev-Task</a>' in page
    assert 'href="/console/environments/dev/logs/SchedulerLogs">airflow-dev-Scheduler</a>' in page
    assert "/logs/WorkerLogs" not in page, "a disabled type has no link"
    assert "<th>core.default_task_retries</th><td>2</td>" in page
    assert 'action="/console/environments/dev/airflow-ui"' in page


def test_a_log_groups_page_shows_its_latest_lines_oldest_first(server: ServerThread) -> None:
    logs = aws(server, "logs")
    logs.create_log_group(logGroupName="airflow-dev-Task")
    now = int(time.time() * 1000)
    for stream, offset in (
        ("dag_id=a/run_id=r/task_id=t/attempt=1.log", 0),
        ("dag_id=b/run_id=r/task_id=t/attempt=1.log", 1),
    ):
        logs.create_log_stream(logGroupName="airflow-dev-Task", logStreamName=stream)
        logs.put_log_events(
            logGroupName="airflow-dev-Task",
            logStreamName=stream,
            logEvents=[
                {"timestamp": now + offset * 1000 + index * 10, "message": f"{stream[7]} line {index} <b>"}
                for index in range(3)
            ],
        )
    page = browser(server).get(f"{server.url}/console/environments/dev/logs/TaskLogs", timeout=10).text
    shown = re.findall(r"\S+ line \d &lt;b&gt;", page)
    assert shown == [f"{dag} line {index} &lt;b&gt;" for dag in "ab" for index in range(3)], "escaped, in time order"


def test_open_airflow_ui_sends_the_browser_in_with_a_web_login_token(
    server: ServerThread, operations: InMemoryOperations
) -> None:
    answer = browser(server).post(
        f"{server.url}/console/environments/dev/airflow-ui", allow_redirects=False, timeout=10
    )
    assert answer.status_code == 303
    location = urlsplit(answer.headers["location"])
    assert (location.scheme, location.netloc, location.path, location.query) == (
        "https",
        "localhost:8080",
        "/aws_mwaa/aws-console-sso",
        "login=true",
    )
    claims = tokens.verify(operations.provisioner.key, location.fragment, "web", "dev", time.time())  # type: ignore[attr-defined]
    assert (claims.identity, claims.role) == ("user/mwaa-local-admin", "Admin")


def test_a_principal_sees_only_what_its_policy_allows(server: ServerThread, tmp_path: Path) -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["airflow:ListEnvironments", "airflow:GetEnvironment"], "Resource": "*"}
        ],
    }
    entry = {"Name": "reader", "AccessKeyId": VIEWER_KEY, "SecretAccessKey": VIEWER_SECRET, "Policy": policy}
    (tmp_path / "principals.json").write_text(json.dumps({"Principals": [entry]}))
    reader = browser(server, VIEWER_KEY, VIEWER_SECRET)
    page = reader.get(f"{server.url}/console/environments/dev", timeout=10)
    assert page.status_code == 200 and "Signed in as user/reader" in page.text
    assert "is not authorized to perform: cloudwatch:GetMetricData" in page.text
    refused = reader.post(f"{server.url}/console/environments/dev/airflow-ui", allow_redirects=False, timeout=10)
    assert refused.status_code == 403
    assert "<h1>AccessDeniedException</h1>" in refused.text and "airflow:CreateWebLoginToken" in refused.text

    (tmp_path / "principals.json").write_text(json.dumps({"Principals": []}))
    gone = reader.get(f"{server.url}/console/", allow_redirects=False, timeout=10)
    assert gone.status_code == 303, "a principal that no longer exists is signed out"


def test_a_session_ends_after_its_hours_and_survives_nothing_forged(tmp_path: Path) -> None:
    clock = [1_000_000.0]
    principals = Principals(lambda: admin(ACCESS_KEY, SECRET_KEY), tmp_path / "principals.json")
    sessions = Sessions(principals, clock=lambda: clock[0])
    cookie = sessions.sign_in(ACCESS_KEY, SECRET_KEY)
    assert sessions.principal(cookie) is not None
    claim, _, signature = cookie.rpartition(".")
    assert sessions.principal(f"{claim}.{signature[:-1]}A") is None
    assert sessions.principal("é.1.2") is None
    assert Sessions(principals).principal(cookie) is None, "another control plane's key"
    clock[0] += 12 * 3600
    assert sessions.principal(cookie) is None


@pytest.mark.parametrize(
    ("highest", "top"), [(0, 1.0), (0.3, 0.5), (1, 1.0), (3, 5.0), (7, 10.0), (12, 20.0), (250, 500.0)]
)
def test_a_charts_top_is_a_round_value_above_its_highest_point(highest: float, top: float) -> None:
    assert nice_top(highest) == pytest.approx(top)


def test_a_plot_keeps_its_window_and_draws_larger_values_higher() -> None:
    end = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    start = end - timedelta(hours=1)
    drawn = plot("Running tasks", "count", start, end, [(end, 2), (start - timedelta(minutes=1), 9), (start, 4)])
    assert [point.value for point in drawn.points] == [4, 2] and drawn.top == 5
    assert drawn.points[0].x < drawn.points[1].x and drawn.points[0].y < drawn.points[1].y
    assert drawn.latest == 2
