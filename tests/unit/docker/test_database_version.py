"""The metadata database follows AirflowVersion down a minor version: the newer image downgrades it."""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path
from typing import Any

import pytest

from emulator.docker import database
from emulator.docker.compose import ServiceContainer
from emulator.model.errors import MwaaLocalError

SERVICES = ["postgres", "redis", "sync", "init", "scheduler", "worker", "webserver", "triggerer"]


class FakeProject:
    """Answers `psql` with the marker's version and records every compose command."""

    def __init__(
        self, migrated: str | None, has_database: bool = True, downgrade_exit: int = 0, containers_left: bool = True
    ) -> None:
        self.migrated = migrated
        self.has_database = has_database
        self.containers_left = containers_left
        self.database_state = "exited"
        self.downgrade_exit = downgrade_exit
        self.commands: list[tuple[tuple[str, ...], dict[str, str] | None]] = []

    def volumes(self) -> set[str]:
        return {"postgres", "logs"} if self.has_database else {"logs"}

    def containers(self, service: str | None = None) -> list[ServiceContainer]:
        return (
            [ServiceContainer("postgres", "db-1", self.database_state, "healthy", 0, ())]
            if self.has_database and self.containers_left
            else []
        )

    def services(self) -> list[str]:
        return SERVICES

    def run(self, *arguments: str, check: bool = True, environ: dict[str, str] | None = None) -> Any:
        self.commands.append((arguments, environ))
        if arguments[0] == "exec":
            found = self.migrated or ""
            return subprocess.CompletedProcess(arguments, 0 if self.migrated else 1, f"{found}\n", "")
        if arguments[0] == "run":
            return subprocess.CompletedProcess(arguments, self.downgrade_exit, "", "Unknown version\n")
        if arguments[0] == "up":
            self.database_state, self.containers_left = "running", True
        return subprocess.CompletedProcess(arguments, 0, "", "")


def follow(project: FakeProject, target: str) -> list[str]:
    reported: list[str] = []
    database.follow_version(project, target, reported.append)  # type: ignore[arg-type]
    return reported


@pytest.mark.parametrize(
    ("migrated", "target", "expected"),
    [("2.10.3", "2.10.1", True), ("3.3.1", "3.2.1", True), ("2.10.1", "2.10.3", False), ("2.10.3", "2.10.3", False)],
)
def test_only_a_newer_minor_version_of_the_same_major_needs_a_downgrade(
    migrated: str, target: str, expected: bool
) -> None:
    assert database.needs_downgrade(migrated, target) is expected


def test_a_downgrade_stops_airflow_and_runs_the_newer_image_to_the_target() -> None:
    project = FakeProject("2.10.3")
    assert follow(project, "2.10.1") == ["downgrading the metadata database from Airflow 2.10.3 to 2.10.1"]
    commands = [arguments for arguments, _ in project.commands]
    stop = next(arguments for arguments in commands if arguments[0] == "stop")
    assert set(stop[1:]) == {"init", "scheduler", "worker", "webserver", "triggerer"}, "the database keeps running"
    ran, environ = next((arguments, environ) for arguments, environ in project.commands if arguments[0] == "run")
    assert ran[-3:] == ("init", "downgrade", "2.10.1")
    assert environ == {"MWAA_LOCAL_AIRFLOW_BASE_IMAGE": "mwaa-local/airflow:2.10.3"}, (
        "the newer Airflow knows the way back"
    )
    assert commands.index(stop) < commands.index(ran)


def test_a_stopped_environment_whose_containers_are_gone_is_downgraded_too() -> None:
    # After `down` (data kept) only the volumes are left: the database is started to be read.
    project = FakeProject("2.10.3", containers_left=False)
    assert follow(project, "2.10.1")
    assert project.commands[0][0] == ("up", "--detach", "postgres")


def test_a_running_database_is_read_without_starting_anything() -> None:
    project = FakeProject("2.10.3")
    project.database_state = "running"
    assert follow(project, "2.10.3") == []
    assert [arguments[0] for arguments, _ in project.commands] == ["exec"], "no compose up on every apply"


@pytest.mark.parametrize(
    "project",
    [FakeProject("2.10.1"), FakeProject(None), FakeProject("2.10.3", has_database=False)],
    ids=["an upgrade", "init never finished", "a new environment"],
)
def test_nothing_is_downgraded_otherwise(project: FakeProject) -> None:
    assert follow(project, "2.10.3" if project.migrated != "2.10.3" else "2.10.1") == []
    assert not [arguments for arguments, _ in project.commands if arguments[0] in ("stop", "run")]


@pytest.mark.parametrize(
    ("migrated", "target", "fab"),
    [("3.3.1", "3.0.6", ("2.4.1",)), ("3.3.1", "3.2.1", ("3.6.1",)), ("2.10.3", "2.10.1", ())],
)
def test_airflow_3_takes_the_fab_tables_back_to_the_targets_provider(
    migrated: str, target: str, fab: tuple[str, ...]
) -> None:
    # Airflow 2's FAB tables are core's (its `db downgrade` covers them); Airflow 3's have their own.
    project = FakeProject(migrated)
    follow(project, target)
    ran = next(arguments for arguments, _ in project.commands if arguments[0] == "run")
    assert ran[-2 - len(fab) :] == ("downgrade", target, *fab)


def test_a_failed_downgrade_says_where_the_database_is() -> None:
    with pytest.raises(MwaaLocalError) as raised:
        follow(FakeProject("3.3.1", downgrade_exit=1), "3.2.1")
    assert "Downgrading the metadata database from Airflow 3.3.1 to 3.2.1 failed" in raised.value.message
    assert "Unknown version" in raised.value.message
    assert "still at Airflow 3.3.1's schema" in raised.value.hint


def test_init_writes_the_marker_this_module_reads() -> None:
    script = Path(database.__file__).parent.parent / "container" / "runtime" / "airflow_init.py"
    assignments = {
        node.targets[0].id: node.value.value
        for node in ast.parse(script.read_text()).body
        if isinstance(node, ast.Assign)
        and isinstance(node.targets[0], ast.Name)
        and isinstance(node.value, ast.Constant)
    }
    assert assignments["MARKER_TABLE"] == database.MARKER_TABLE
