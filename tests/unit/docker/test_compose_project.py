"""Compose projects known by name (no files) and projects run with their rendered files."""

import subprocess
from pathlib import Path
from typing import Any

import docker.errors
import pytest

from emulator.docker import compose
from emulator.docker import engine as docker_engine
from emulator.docker.compose import ComposeProject, ServiceContainer

FILES = (Path("/repo/compose/environment.yaml"), Path("/state/environments/team/airflow-env.yaml"))


def with_files() -> ComposeProject:
    return ComposeProject("mwaa-team", FILES, Path("/state/environments/team/compose.env"), ("airflow3",))


def test_a_project_by_name_has_no_files_and_runs_from_the_root() -> None:
    project = ComposeProject.by_name("mwaa-team")
    assert project == ComposeProject("mwaa-team")
    assert project.command("logs", "--tail=10") == [
        "docker",
        "compose",
        "--project-name",
        "mwaa-team",
        "logs",
        "--tail=10",
    ]
    assert project.directory == Path("/")


def test_a_project_with_files_runs_in_the_current_directory() -> None:
    project = with_files()
    assert project.directory is None
    assert project.command("up", "--detach") == [
        "docker",
        "compose",
        "--project-name",
        "mwaa-team",
        "--env-file",
        "/state/environments/team/compose.env",
        "--file",
        "/repo/compose/environment.yaml",
        "--file",
        "/state/environments/team/airflow-env.yaml",
        "--profile",
        "airflow3",
        "up",
        "--detach",
    ]


@pytest.mark.parametrize(("project", "directory"), [(ComposeProject.by_name("mwaa-team"), "/"), (with_files(), None)])
def test_run_and_popen_use_the_project_directory(
    project: ComposeProject, directory: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[list[str], Any]] = []

    def record(arguments: list[str], **options: Any) -> subprocess.CompletedProcess[str]:
        calls.append((arguments, options.get("cwd")))
        return subprocess.CompletedProcess(arguments, 0, "", "")

    monkeypatch.setattr(compose.subprocess, "run", record)
    monkeypatch.setattr(compose.subprocess, "Popen", record)
    project.run("logs")
    project.popen("logs", "--follow")
    expected = None if directory is None else Path(directory)
    assert [cwd for _, cwd in calls] == [expected, expected]
    assert [arguments[-1] for arguments, _ in calls] == ["logs", "--follow"]


def container(service: str, index: int) -> ServiceContainer:
    return ServiceContainer(service, f"mwaa-team-{service}-{index}", "running", "healthy", 0)


def test_created_services_come_from_the_containers(monkeypatch: pytest.MonkeyPatch) -> None:
    found = [container("worker", 1), container("scheduler", 1), container("worker", 2), container("api-server", 1)]
    monkeypatch.setattr(ComposeProject, "containers", lambda self: found)
    assert ComposeProject.by_name("mwaa-team").created_services() == ["api-server", "scheduler", "worker"]
    monkeypatch.setattr(ComposeProject, "containers", lambda self: [])
    assert ComposeProject.by_name("mwaa-team").created_services() == []


def test_containers_are_looked_up_by_project_label_and_vanished_ones_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[dict[str, Any]] = []

    class Api:
        def containers(self, **options: Any) -> list[dict[str, str]]:
            asked.append(options)
            return [{"Id": "gone"}, {"Id": "kept"}]

        def inspect_container(self, container_id: str) -> dict[str, Any]:
            if container_id == "gone":  # compose removed it between the list and the inspect
                raise docker.errors.NotFound("No such container: gone")
            labels = {"com.docker.compose.service": "worker"}
            return {"Name": "/kept", "Config": {"Labels": labels}, "State": {"Status": "running"}}

    class Client:
        api = Api()

    monkeypatch.setattr(docker_engine, "client", lambda: Client())
    (kept,) = ComposeProject.by_name("mwaa_a1b2c3-team").containers()
    assert (kept.name, kept.service, kept.state) == ("kept", "worker", "running")
    assert asked == [{"all": True, "filters": {"label": ["com.docker.compose.project=mwaa_a1b2c3-team"]}}]


def test_services_scaled_to_no_container_are_not_expected(monkeypatch: pytest.MonkeyPatch) -> None:
    """A triggerer turned off (`deploy.replicas: 0`) is nothing a start should wait for."""
    config = (
        '{"services": {"scheduler": {"deploy": {"replicas": 2}}, "triggerer": {"deploy": {"replicas": 0}}, '
        '"worker": {"deploy": {"replicas": 1}}, "postgres": {}, "edge": {"deploy": null}}}'
    )

    def run(command: list[str], **_: Any) -> subprocess.CompletedProcess[str]:
        assert command[-3:] == ["config", "--format", "json"]
        return subprocess.CompletedProcess(command, 0, config, "")

    monkeypatch.setattr(subprocess, "run", run)
    assert with_files().services() == ["scheduler", "worker", "postgres", "edge"]
