"""A scripted serverless engine for the unit tests: Airflow's REST answers for the DAGs it has
parsed and the runs it was asked for, moved along by the test."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class FakeEngine:
    def __init__(self) -> None:
        self.up = False
        self.starts = self.stops = 0
        self.files: dict[str, str] = {}
        self.published_times: dict[str, float] = {}
        self.clock: Callable[[], float] = lambda: 0.0
        self.import_errors: list[dict[str, Any]] = []
        self.fail_start: str | None = None
        self.parsed: set[str] = set()
        self.runs: dict[tuple[str, str], dict[str, Any]] = {}
        self.tasks: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    def ensure_running(self) -> None:
        if self.fail_start:
            from emulator.model.errors import MwaaLocalError

            raise MwaaLocalError(self.fail_start)
        if not self.up:
            self.up, self.starts = True, self.starts + 1

    def stop(self) -> None:
        if self.up:
            self.up, self.stops = False, self.stops + 1

    def publish(self, file_name: str, files: dict[str, str]) -> None:
        assert list(files)[-1] == file_name, "the DAG file last, after what it loads"
        self.files.update(files)

    def published_at(self, file_name: str) -> float:
        return self.published_times.setdefault(file_name, self.clock())

    def ui_url(self, identity: str) -> str:
        return f"https://localhost:8443/aws_mwaa/aws-console-sso?login=true#token-for-{identity}"

    def rest(self, name: str, method: str, path: str, **members: Any) -> tuple[int, Any]:
        self.calls.append((method, path, members))
        if path == "/importErrors":
            return 200, {"import_errors": self.import_errors}
        parts = path.strip("/").split("/")
        dag = parts[1]
        if len(parts) == 2:
            return (200, {"dag_id": dag}) if dag in self.parsed else (404, {"detail": "not found"})
        if method == "POST":
            run_id = members["Body"]["dag_run_id"]
            self.runs[(dag, run_id)] = {"state": "queued", "conf": members["Body"]["conf"]}
            return 200, {"dag_run_id": run_id}
        run = (dag, parts[3])
        if run not in self.runs:
            return 404, {"detail": "no such run"}
        if len(parts) == 5:
            return 200, {"task_instances": self.tasks.get(run, [])}
        if method == "PATCH":
            self.runs[run]["state"] = members["Body"]["state"]
        return 200, self.runs[run]


class FakeRoles:
    """Workflow roles without an S3 service: each role's connection id, and what was asked."""

    def __init__(self) -> None:
        self.prepared: list[str] = []
        self.forgotten = 0

    def prepare(self, role_arn: str, airflow: Any) -> str:
        self.prepared.append(role_arn)
        return "mwaa_serverless_role_" + role_arn.rsplit("/", 1)[-1]

    def forget_connections(self) -> None:
        self.forgotten += 1
