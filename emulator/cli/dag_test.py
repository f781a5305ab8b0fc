"""`mwaa-local test DAG_ID`: upload the workspace, wait until Airflow has parsed the DAG, run it
on the running environment and show its tasks' states and log lines as they come; the exit
code says how the run ended."""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.markup import escape

from emulator.cli import lifecycle, ui, uploads
from emulator.cli.dag_runs import DagRunner, DagTestError, RunEvents, RunOutcome, TaskOutcome
from emulator.model import status, versions
from emulator.s3.deploy import ObjectChange
from emulator.service.control_plane_client import ControlPlaneClient

STATE_COLOURS = {"success": "green", "failed": "red", "upstream_failed": "red", "up_for_retry": "yellow"}
FAILED_LOG_LINES = 40


def runner_for(client: ControlPlaneClient, name: str) -> tuple[DagRunner, dict[str, Any]]:
    """The environment's DAG runner and GetEnvironment's record; DagTestError unless it exists
    and is AVAILABLE."""
    found = client.environment(name)
    if found is None:
        raise DagTestError(f"Environment {name} does not exist.", hint="`mwaa-local up` creates and starts it.")
    if found["Status"] != status.AVAILABLE:
        raise DagTestError(
            f"Environment {name} is {found['Status']}: a DAG runs on an AVAILABLE environment.",
            hint=f"`mwaa-local up --name {name}` starts it; `mwaa-local get {name}` shows why it is not available.",
        )
    return DagRunner(client, name, versions.get(found["AirflowVersion"]).family), found


def uploaded_dag_files(changes: list[ObjectChange], dag_s3_path: str) -> set[str]:
    """The DAG folder files an upload changed, as `dags/<file>` (Airflow's file locations)."""
    prefix = uploads.dag_folder_prefix(dag_s3_path)
    return {
        "dags/" + change.key.removeprefix(prefix)
        for change in changes
        if change.action == "uploaded" and change.key.startswith(prefix)
    }


def new_run_id() -> str:
    return f"mwaa_local_test__{datetime.now(UTC):%Y-%m-%dT%H:%M:%S}_{secrets.token_hex(2)}"


def show_state(task: TaskOutcome) -> None:
    colour = STATE_COLOURS.get(str(task.state), "cyan")
    ui.console.print(f"  [bold]{escape(task.name)}[/] → [{colour}]{task.state}[/]", soft_wrap=True)


def show_line(task: TaskOutcome, line: str) -> None:
    ui.console.print(f"  [dim]{escape(task.name)} |[/] {escape(line)}", soft_wrap=True, highlight=False)


def show_outcome(outcome: RunOutcome, seconds: float) -> None:
    if outcome.succeeded:
        ui.console.print(f"[green]✓[/] DAG run {escape(outcome.run_id)} succeeded in {seconds:.1f} s.", soft_wrap=True)
        return
    ui.console.print(f"[red]✗[/] DAG run {escape(outcome.run_id)} {outcome.state} in {seconds:.1f} s.", soft_wrap=True)
    for task in outcome.failed_tasks:
        if not task.log:
            ui.console.print(f"[red]{escape(task.name)}[/]: {task.state} (it never ran)")
            continue
        ui.console.print(f"[red]{escape(task.name)}[/]: {task.state} (try {task.try_number}); its log's end:")
        for line in task.log[-FAILED_LOG_LINES:]:
            ui.console.print(f"  {escape(line)}", soft_wrap=True, highlight=False)


def test_dag(
    context: lifecycle.Context,
    workspace: Path,
    environment: str,
    dag_id: str,
    conf: dict[str, Any],
    timeout: float,
    apply: bool,
) -> RunOutcome:
    """Upload, wait for the parse, run and follow; the run's outcome (shown as it goes)."""
    runner, record = runner_for(lifecycle.api(context), environment)
    since = time.time()
    changes = uploads.upload(context, workspace, environment, apply)
    uploaded = uploaded_dag_files(changes, record["DagS3Path"])
    with ui.console.status(f"Waiting for Airflow to parse DAG {escape(dag_id)}…"):
        runner.wait_parsed(dag_id, uploaded, since, timeout)
    run_id = new_run_id()
    started = time.monotonic()
    runner.trigger(dag_id, run_id, conf)
    ui.console.print(f"Triggered {escape(dag_id)}, run {escape(run_id)}:", soft_wrap=True)
    outcome = runner.follow(dag_id, run_id, RunEvents(show_state, show_line), timeout)
    show_outcome(outcome, time.monotonic() - started)
    return outcome
