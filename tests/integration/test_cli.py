"""The CLI's view of a running environment: status, logs, and refusing a taken port."""

from __future__ import annotations

import socket

from emulator.lifecycle import Context
from tests.support import Environment, cli


def test_status_lists_every_service_healthy(environment: Environment) -> None:
    result = cli(environment.workspace, "status")
    assert result.returncode == 0, result.stderr
    assert f"environment {environment.name}" in result.stdout
    web = "api-server" if environment.family == 3 else "webserver"
    for service in ("postgres", "redis", "sync", "scheduler", "triggerer", "worker", web):
        rows = [line for line in result.stdout.splitlines() if line.strip("│ ").startswith(service + " ")]
        assert rows and all("healthy" in row for row in rows), f"{service}: {rows}"
    s3_port = Context.load().region().s3_port
    assert "s3" in result.stdout and f"127.0.0.1:{s3_port}->9000" in result.stdout.replace(" ", "")


def test_logs_of_one_service(environment: Environment) -> None:
    result = environment.cli("logs", "sync", "--tail", "all")
    assert result.returncode == 0, result.stderr
    assert f"sync: mirroring s3://{environment.bucket}/dags" in result.stdout


def test_logs_of_an_unknown_service_lists_the_real_ones(environment: Environment) -> None:
    result = environment.cli("logs", "webserverr")
    assert result.returncode == 1
    assert f"Environment {environment.name} has no service 'webserverr'." in result.stderr
    assert "scheduler" in result.stderr and "sync" in result.stderr


def test_up_refuses_a_taken_web_port_and_leaves_the_environment_running(environment: Environment) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        result = environment.cli("up", "--web-port", str(taken))
    assert result.returncode == 4
    assert f"Port {taken} (the Airflow UI) is already in use on this machine." in result.stderr
    assert "mwaa-local up --web-port N" in result.stderr
    running = [c for c in environment.project.containers() if c.service != "init"]
    assert running and all(c.ready for c in running)
