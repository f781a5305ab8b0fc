"""mwaa-local's pytest plugin (entry point `pytest11`: `mwaa_local`). It does nothing unless
turned on with `pytest --mwaa-local` or `mwaa_local = true` in the ini file; then it gives:

- `mwaa_environment` (session): the workspace's environment, running, with the workspace
  uploaded. One already running is reused and left running; one it had to start is stopped
  at the end of the session (its data kept, as `mwaa-local down` keeps it).
- `mwaa_client`, `s3_client`: boto3 clients of the local MWAA API and S3 service.
- `run_dag`: `run_dag(dag_id, conf=None, timeout=600)` triggers a run through InvokeRestApi,
  waits for it to finish and returns its RunOutcome: `state`, `succeeded`, each task's state
  and log (`tasks`), and the tasks' return values (`xcoms`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from emulator.cli import lifecycle
from emulator.cli.dag_runs import DagRunner, RunEvents, RunOutcome
from emulator.cli.dag_test import new_run_id, runner_for, uploaded_dag_files
from emulator.cli.exports import region_exports
from emulator.cli.lifecycle import Quiet
from emulator.model.errors import MwaaLocalError

RunDag = Callable[..., RunOutcome]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mwaa-local", "Run DAGs on a local MWAA environment (mwaa-local)")
    group.addoption("--mwaa-local", action="store_true", help="Turn the mwaa-local fixtures on.")
    group.addoption("--mwaa-local-name", help="The environment (default: the workspace's, else `local`).")
    group.addoption("--mwaa-local-workspace", help="The workspace folder (default: pytest's rootdir).")
    group.addoption("--mwaa-local-timings", help="`up --timings` for an environment the plugin starts.")
    parser.addini("mwaa_local", type="bool", default=False, help="Turn the mwaa-local fixtures on.")
    parser.addini("mwaa_local_name", default="", help="The environment mwaa-local's fixtures use.")
    parser.addini("mwaa_local_workspace", default="", help="The workspace folder, relative to the rootdir.")
    parser.addini("mwaa_local_timings", default="", help="`mwaa` (MWAA's, the default) or `dev`, for `up`.")


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("mwaa_local") or config.getini("mwaa_local"):
        config.pluginmanager.register(Fixtures(), "mwaa-local-fixtures")


@dataclass
class MwaaEnvironment:
    """A running environment the session's tests use."""

    name: str
    workspace: Path
    airflow_version: str
    exports: dict[str, str]
    runner: DagRunner
    started_here: bool
    uploaded: set[str]  # the DAG files the session's upload changed
    uploaded_at: float

    def run_dag(self, dag_id: str, conf: dict[str, Any] | None = None, timeout: float = 600) -> RunOutcome:
        """Run a DAG (once Airflow has parsed the session's upload of its file); its outcome."""
        self.runner.wait_parsed(dag_id, self.uploaded, self.uploaded_at, timeout)
        run_id = new_run_id()
        self.runner.trigger(dag_id, run_id, conf or {})
        return self.runner.follow(dag_id, run_id, RunEvents(), timeout)

    def client(self, service: str) -> Any:
        """A boto3 client of one of the region's services (boto3 must be installed)."""
        try:
            import boto3  # type: ignore[import-untyped]
            from botocore.config import Config
        except ImportError:
            pytest.fail("mwaa-local's mwaa_client and s3_client need boto3: `pip install boto3`.")
        endpoint = self.exports.get(f"AWS_ENDPOINT_URL_{service.upper().replace('-', '_')}")
        return boto3.client(
            service,
            endpoint_url=endpoint,
            region_name=self.exports["AWS_DEFAULT_REGION"],
            aws_access_key_id=self.exports["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=self.exports["AWS_SECRET_ACCESS_KEY"],
            config=Config(inject_host_prefix=False),
        )


def option(config: pytest.Config, name: str) -> str:
    return str(config.getoption(f"mwaa_local_{name}") or config.getini(f"mwaa_local_{name}") or "")


def start_or_reuse(config: pytest.Config) -> MwaaEnvironment:
    """The workspace's environment: reused (the workspace uploaded) when it runs, else started."""
    given = option(config, "workspace")
    workspace = (config.rootpath / given).resolve() if given else config.rootpath
    context = lifecycle.Context.load()
    name = lifecycle.environment_name(workspace, option(config, "name") or None)
    started_here = name not in lifecycle.running_environments(context)
    uploaded_at = time.time()
    try:
        if started_here:
            record, _ = lifecycle.up_record(context, workspace, name)
            options = lifecycle.UpOptions(deploy=True, timings=option(config, "timings") or None)
            changes = lifecycle.up(context, record, options, Quiet(), workspace).deployed
        else:
            changes = lifecycle.deploy(context, workspace, name)
            lifecycle.apply_files(context, name, Quiet())
        runner, found = runner_for(lifecycle.api(context), name)
    except MwaaLocalError as error:
        logs = ""
        if started_here:  # a failed start leaves nothing running, and says what its services said
            logs = recent_logs(context, name)
            if context.state(name).exists():
                lifecycle.down(context, name, False, Quiet())
        pytest.fail(f"mwaa-local: environment {name}: {error.message}\n{error.hint}\n{logs}", pytrace=False)
    return MwaaEnvironment(
        name=name,
        workspace=workspace,
        airflow_version=str(found["AirflowVersion"]),
        exports=region_exports(context.region()),
        runner=runner,
        started_here=started_here,
        uploaded=uploaded_dag_files(changes, found["DagS3Path"]),
        uploaded_at=uploaded_at,
    )


def recent_logs(context: lifecycle.Context, name: str, lines: int = 100) -> str:
    """The environment's services' last lines (nothing when it never got as far as Docker)."""
    try:
        stack = lifecycle.stack_of(context, name)
        return stack.project.run("logs", "--no-color", f"--tail={lines}", check=False).stdout
    except MwaaLocalError:
        return ""


class Fixtures:
    """The fixtures, registered only when the plugin is on."""

    @pytest.fixture(scope="session")
    def mwaa_environment(self, pytestconfig: pytest.Config) -> Iterator[MwaaEnvironment]:
        environment = start_or_reuse(pytestconfig)
        yield environment
        if environment.started_here:
            lifecycle.down(lifecycle.Context.load(), environment.name, False, Quiet())

    @pytest.fixture(scope="session")
    def mwaa_client(self, mwaa_environment: MwaaEnvironment) -> Any:
        return mwaa_environment.client("mwaa")

    @pytest.fixture(scope="session")
    def s3_client(self, mwaa_environment: MwaaEnvironment) -> Any:
        return mwaa_environment.client("s3")

    @pytest.fixture
    def run_dag(self, mwaa_environment: MwaaEnvironment) -> RunDag:
        return mwaa_environment.run_dag
