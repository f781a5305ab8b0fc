"""Environment classes shape the environment (docs/reference.md §11): mw1.micro runs scheduler,
dag-processor, triggerer and worker in one `hybrid` container with 3 task slots and never
autoscales; UpdateEnvironment to mw1.medium with `Schedulers: 3` brings three schedulers with a
triggerer each, workers with 10 slots and `MinWebservers` web servers sharing the UI's port,
keeping the environment's data, and its LoggingConfiguration change reaching the running
components (the web servers' lines in the WebServer group)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest

from emulator.cli.lifecycle import Context
from emulator.service.autoscaler import journal
from tests.integration.test_aws_services import aws as aws_client
from tests.integration.test_aws_services import datapoints, stream_events
from tests.support import Environment, env_exports, prepare_environment, running_environment, wait_for

DAG = "it_classes"
DAG_TEXT = """from datetime import datetime

from airflow import DAG

try:
    from airflow.providers.standard.operators.bash import BashOperator
except ImportError:
    from airflow.operators.bash import BashOperator

with DAG("it_classes", start_date=datetime(2024, 1, 1), schedule=None, catchup=False):
    for number in range(4):
        BashOperator(task_id=f"echo_{number}", bash_command="sleep 2; hostname")
"""
ALWAYS = {"postgres", "redis", "sync", "init", "api-server", "edge"}


@pytest.fixture(scope="module")
def micro(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Environment]:
    environment = prepare_environment(
        tmp_path_factory.mktemp("classes"), "cl331", "3.3.1", {"EnvironmentClass": "mw1.micro"}, {f"{DAG}.py": DAG_TEXT}
    )
    with running_environment(environment):
        yield environment


def run_on(environment: Environment, run_id: str, service: str) -> None:
    state = environment.run_dag(DAG, run_id, timeout=240)
    assert state == "success", environment.logs()
    assert environment.task_hosts(DAG, run_id) <= environment.container_hostnames(service), "ran on its workers"


def test_micro_runs_one_hybrid_container_then_medium_runs_three_schedulers(micro: Environment) -> None:
    environment = micro
    # mw1.micro: one container for scheduler, dag-processor, triggerer and worker.
    assert environment.running_services() == {**dict.fromkeys(ALWAYS - {"init"}, 1), "hybrid": 1}
    assert environment.celery_concurrency("hybrid") == [3], "mw1.micro: 3 tasks per worker"
    jobs = ("SchedulerJob", "TriggererJob", "DagProcessorJob")
    assert [environment.live_jobs(job, "hybrid") for job in jobs] == [1, 1, 1]
    environment.wait_listed(DAG)
    run_on(environment, "on-micro", "hybrid")
    described = environment.described()
    assert (described["EnvironmentClass"], described["MaxWorkers"], described["Schedulers"]) == ("mw1.micro", 1, 1)
    assert journal.read(Context.load().state(environment.name).directory) is None, "mw1.micro never autoscales"
    # Yet its cluster and queue are in AWS/MWAA, as MWAA publishes them: one base worker, which
    # is also its scheduler (the hybrid container's memory counts for both).
    cloudwatch = aws_client(env_exports(environment), "cloudwatch")

    def cluster(name: str, cluster_name: str) -> list[float]:
        dimensions = [{"Name": "Environment", "Value": environment.name}, {"Name": "Cluster", "Value": cluster_name}]
        return datapoints(cloudwatch, "AWS/MWAA", name, dimensions, "Maximum")

    def published() -> bool:
        workers = cluster("NumWorkers", "BaseWorker")
        return bool(workers) and set(workers) == {1.0} and bool(cluster("MemoryUtilization", "Scheduler"))

    wait_for(published, 90, "mw1.micro's AWS/MWAA datapoints", interval=5)

    # mw1.micro's single web server is below mw1.medium's range: the update names the new one.
    # It also turns the web servers' logs on (MWAA's default has Task logs alone).
    logs = aws_client(env_exports(environment), "logs")
    web_group = f"airflow-{environment.name}-WebServer"
    assert not logs.describe_log_groups(logGroupNamePrefix=web_group)["logGroups"]
    logging = {**described["LoggingConfiguration"], "WebserverLogs": {"Enabled": True, "LogLevel": "INFO"}}
    logging = {
        log_type: {"Enabled": value["Enabled"], "LogLevel": value["LogLevel"]} for log_type, value in logging.items()
    }
    updated = environment.update(
        EnvironmentClass="mw1.medium", Schedulers=3, MinWebservers=2, MaxWebservers=2, LoggingConfiguration=logging
    )
    assert updated["Status"] == "AVAILABLE", updated
    assert updated["LoggingConfiguration"]["WebserverLogs"]["CloudWatchLogGroupArn"].endswith(f":log-group:{web_group}")
    assert (updated["EnvironmentClass"], updated["Schedulers"]) == ("mw1.medium", 3)
    running = environment.running_services()
    assert "hybrid" not in running
    expected = {"scheduler": 1, "worker": 1}
    assert {service: running.get(service) for service in expected} == expected, running
    assert not {"triggerer", "dag-processor"} & set(running), "they run in the scheduler container"
    assert environment.celery_concurrency() == [10], "mw1.medium: 10 tasks per worker"
    jobs = ("SchedulerJob", "TriggererJob", "DagProcessorJob")
    assert [environment.live_jobs(job, "scheduler") for job in jobs] == [3, 3, 1], "a triggerer per scheduler"
    # The data stayed: the run from before the update is still there, and new runs complete.
    assert environment.run_state(DAG, "on-micro") == "success"
    run_on(environment, "on-medium", "worker")

    # MinWebservers: 2 web servers behind the UI's one port, each answering some of its requests.
    first = environment.web_servers()
    assert sorted(first) == [1, 2], first
    served = environment.served_by(20)
    assert sorted(served) == [1, 2] and all(served.values()), served

    def web_lines() -> list[str]:
        streams = logs.describe_log_streams(logGroupName=web_group)["logStreams"]
        names = [stream["logStreamName"] for stream in streams if stream["logStreamName"].startswith("webserver_")]
        return [line for name in names for line in stream_events(logs, web_group, name)]

    wait_for(web_lines, 60, f"the web servers' lines in {web_group} after the update", interval=3)
    # A web server that stops is passed over while it is started again: the port keeps answering.
    (container,) = environment.containers(environment.web_service)
    subprocess.run(["docker", "exec", container.name, "kill", "-KILL", str(first[1])], check=True, capture_output=True)
    assert sum(environment.served_by(6).values()) == 6
    wait_for(lambda: environment.web_servers().get(1) not in (None, first[1]), 30, "web server 1 started again")
    assert environment.web_servers()[2] == first[2], "the other web server kept serving"
    served = environment.served_by(20)
    assert all(served.values()), served
