"""Shared fixtures. Tests are marked by their folder: unit (no Docker), integration, e2e.

The session runs in a state home of its own (a temporary MWAA_LOCAL_HOME, with its own S3
ports): its region and environments get Docker names of their own, so it never touches the
environments or the S3 service a developer has running.

Integration and e2e tests share one running environment per Airflow version. The versions the
selected tests need start together, side by side, through the real `mwaa-local up`, and are
removed (`down --volumes`) at the end. A test that stops or changes a shared environment brings
it back as it found it, so the tests pass in any order.

The suite runs in two pytest-xdist workers (`scripts/test`), each process with a state home, a
region and Docker names of its own. Every test of the shared environments is in one xdist group,
so they run in one worker and start once; tests that make environments of their own (one group
per module, for its module-scoped fixtures) and the unit tests run in the other worker meanwhile.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from emulator.cli import lifecycle
from emulator.cli.lifecycle import Context
from emulator.docker.ports import free_port
from emulator.docker.region import Region
from emulator.state.settings import HOME
from tests.support import Environment, delete_bucket, prepare_environment, state_exists

KINDS = ("unit", "integration", "e2e")
ENGINE_IDLE_SECONDS = 20
VERSIONS = ("3.3.1", "2.10.3")
# Options the stacks start with: kept ones, and ones MWAA overrules (reported by `up`). The
# secrets backend is MWAA's documented one (docs/reference.md §23), asked only for `it_` names.
SECRETS_BACKEND_KWARGS = {
    "connections_prefix": "airflow/connections",
    "variables_prefix": "airflow/variables",
    "connections_lookup_pattern": "^it_",
    "variables_lookup_pattern": "^it_",
}
KEPT_OPTIONS = {
    "core.default_task_retries": "2",
    "mwaa_local_test.marker": "a$b'c",
    "secrets.backend": "airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend",
    "secrets.backend_kwargs": json.dumps(SECRETS_BACKEND_KWARGS),
}
IGNORED_OPTIONS = {
    "core.sql_alchemy_conn": "sqlite:////tmp/not-the-metadata-database.db",
    "operators.default_queue": "my-own-queue",
    "celery.worker_concurrency": "9",
}


def logging_configuration(version: str) -> dict[str, dict[str, object]]:
    """The stacks' log types: the scheduler's at INFO, the worker's and the DAG processor's at
    WARNING, the web server's off (MWAA's default), the tasks' at DEBUG on 2.10.3 and INFO on
    3.3.1 (so the level's effect shows between the two)."""
    return {
        "TaskLogs": {"Enabled": True, "LogLevel": "DEBUG" if version.startswith("2.") else "INFO"},
        "SchedulerLogs": {"Enabled": True, "LogLevel": "INFO"},
        "WorkerLogs": {"Enabled": True, "LogLevel": "WARNING"},
        "WebserverLogs": {"Enabled": False, "LogLevel": "INFO"},
        "DagProcessingLogs": {"Enabled": True, "LogLevel": "WARNING"},
    }


# Fixtures that need the shared environments: their tests are one xdist group.
SHARED_FIXTURES = {"environment", "both", "stacks"}
SHARED_GROUP = "shared-environments"
SESSION_HOME = Path(tempfile.mkdtemp(prefix="mwaa-local-tests-"))


def pytest_configure(config: pytest.Config) -> None:
    if getattr(config.option, "numprocesses", None) and not hasattr(config, "workerinput"):
        config.pluginmanager.register(WorkerTimes(), "mwaa-local-worker-times")
    # Child `mwaa-local` processes and the in-process Context both read these.
    os.environ[HOME.variable] = str(SESSION_HOME)
    os.environ["MWAA_LOCAL_S3_PORT"] = str(free_port())
    os.environ["MWAA_LOCAL_S3_CONSOLE_PORT"] = str(free_port())
    os.environ["MWAA_LOCAL_API_PORT"] = str(free_port())
    # The serverless engine stops this long after its last run (MWAA_LOCAL_SERVERLESS_IDLE_SECONDS):
    # short enough for a test to see it go and come back.
    os.environ["MWAA_LOCAL_SERVERLESS_IDLE_SECONDS"] = str(ENGINE_IDLE_SECONDS)


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(SESSION_HOME, ignore_errors=True)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test by its folder, before `-m` selects on the marks, and by the xdist group it
    runs in. The order is left alone: every test passes in any order (pytest-randomly shuffles
    it, printing the seed)."""
    root = Path(__file__).parent
    for item in items:
        kind = Path(item.fspath).relative_to(root).parts[0]
        if kind in KINDS:
            item.add_marker(getattr(pytest.mark, kind))
        if kind != "unit":
            item.add_marker(pytest.mark.xdist_group(xdist_group(item)))


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """In an xdist worker with --dist loadgroup, xdist has suffixed each grouped test's id with
    its group. Without the suffix every worker would start the shared environments: stop here."""
    if getattr(session.config.option, "loadgroup", False):
        ungrouped = [
            item.nodeid for item in session.items if item.get_closest_marker("xdist_group") and "@" not in item.nodeid
        ]
        if ungrouped:
            raise pytest.UsageError(f"pytest-xdist did not group {ungrouped[0]} (see pyproject.toml's pytest pin)")


class WorkerTimes:
    """Where the session's time went per xdist worker: the suite takes as long as its busiest
    worker, so the summary shows how evenly the groups share the two."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.groups: dict[str, dict[str, float]] = {}

    @pytest.hookimpl
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        worker = getattr(report, "node", None)
        if worker is None:
            return
        name = worker.gateway.id
        suffix = report.nodeid.rsplit("@", 1)[-1]
        group = suffix if "@" in report.nodeid and "]" not in suffix else "unit"  # not an "@" in an id
        self.seconds[name] = self.seconds.get(name, 0.0) + report.duration
        per_group = self.groups.setdefault(name, {})
        per_group[group] = per_group.get(group, 0.0) + report.duration

    @pytest.hookimpl
    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if not self.seconds:
            return
        terminalreporter.section("time per xdist worker")
        for name, seconds in sorted(self.seconds.items()):
            busiest = sorted(self.groups[name].items(), key=lambda entry: -entry[1])[:6]
            shown = ", ".join(f"{group} {spent / 60:.1f}" for group, spent in busiest)
            terminalreporter.write_line(f"{name}: {seconds / 60:.1f} min of tests ({shown})")


def xdist_group(item: pytest.Item) -> str:
    """The shared environments' group, else the test's module (its module-scoped environments
    start once, in one worker)."""
    fixtures = set(getattr(item, "fixturenames", ()))
    return SHARED_GROUP if fixtures & SHARED_FIXTURES else item.nodeid.split("::", 1)[0]


class Stacks:
    """The session's environments, one per Airflow version, started together on first use."""

    def __init__(self, workspace_root: Path) -> None:
        self.workspace_root = workspace_root
        self.started: dict[str, Environment] = {}
        self.failures: dict[str, str] = {}

    def prepare(self, version: str) -> Environment:
        fields = {
            "AirflowConfigurationOptions": {**KEPT_OPTIONS, **IGNORED_OPTIONS},
            "LoggingConfiguration": logging_configuration(version),
        }
        return prepare_environment(self.workspace_root, "it" + version.replace(".", ""), version, fields)

    def start(self, versions: list[str]) -> None:
        """`mwaa-local up` for every version not started yet, side by side."""
        wanted = [version for version in versions if version not in self.started and version not in self.failures]
        environments = [self.prepare(version) for version in wanted]

        with ThreadPoolExecutor(max_workers=max(1, len(environments))) as pool:
            results = list(pool.map(Environment.up, environments))
        for environment, result in zip(environments, results, strict=True):
            if result.returncode == 0:
                environment.up_output = result.stdout
                self.started[environment.version] = environment
            else:
                logs = environment.logs() if state_exists(environment.name) else ""
                self.failures[environment.version] = f"{result.stdout}\n{result.stderr}\n{logs}"
                self.started[environment.version] = environment  # still removed at the end

    def get(self, version: str, wanted: list[str]) -> Environment:
        self.start(sorted(set(wanted) | {version}, key=VERSIONS.index))
        if version in self.failures:
            pytest.fail(f"mwaa-local up failed for Airflow {version}:\n{self.failures[version]}")
        return self.started[version]

    def remove_all(self) -> None:
        problems = []
        for environment in self.started.values():
            try:
                if state_exists(environment.name) and environment.region_running():
                    delete_bucket(environment.s3(), environment.bucket)
            finally:
                finished = environment.cli("down", "--volumes")
                if finished.returncode != 0:
                    problems.append(finished.stdout + finished.stderr)
        assert not problems, problems


def needed_versions(session: pytest.Session) -> list[str]:
    found = {
        item.callspec.params.get("environment")
        for item in session.items
        if getattr(item, "callspec", None) is not None and "environment" in item.callspec.params
    }
    return [version for version in VERSIONS if version in found]


@pytest.fixture(scope="session")
def stacks(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stacks]:
    pool = Stacks(tmp_path_factory.mktemp("workspaces"))
    yield pool
    pool.remove_all()


@pytest.fixture(params=VERSIONS)
def environment(request: pytest.FixtureRequest, stacks: Stacks) -> Environment:
    """The running environment of one Airflow version (every test runs on both)."""
    return stacks.get(request.param, needed_versions(request.session))


@pytest.fixture
def both(request: pytest.FixtureRequest, stacks: Stacks) -> list[Environment]:
    """Both versions' environments, running side by side."""
    return [stacks.get(version, list(VERSIONS)) for version in VERSIONS]


@pytest.fixture(scope="session")
def region() -> Iterator[Region]:
    """This session's region (S3 and the MWAA API) on its own, for tests that create environments
    through the API; stopped at the end unless an environment still runs on it."""
    context = Context.load()
    started = lifecycle.region_up(context, lifecycle.Quiet(), 300)
    yield started
    if not lifecycle.running_environments(context):
        started.down(volumes=True)
