"""Shared fixtures. Tests are marked by their folder: unit (no Docker), integration, e2e.

Integration and e2e tests share one running environment per Airflow version, started once
per session through the real `mwaa-local up` and removed (`down --volumes`) at the end.
Tests marked `restarts` stop and start the stack, so they run last for each version.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from emulator.lifecycle import Context
from emulator.stack.ports import free_port
from tests.support import Environment, cli, delete_bucket

KINDS = ("unit", "integration", "e2e")
VERSIONS = ("3.3.1", "2.10.3")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "restarts: stops and starts the shared stack (runs last per version)")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test by its folder (before `-m` selects on the marks), and run the tests of
    one Airflow version together, those that restart the stack last."""
    root = Path(__file__).parent
    for item in items:
        kind = Path(item.fspath).relative_to(root).parts[0]
        if kind in KINDS:
            item.add_marker(getattr(pytest.mark, kind))

    def order(item: pytest.Item) -> tuple[int, int]:
        callspec = getattr(item, "callspec", None)
        version = callspec.params.get("environment") if callspec else None
        group = VERSIONS.index(version) if version in VERSIONS else -1
        return group, int(item.get_closest_marker("restarts") is not None)

    items.sort(key=order)


@pytest.fixture(scope="session", params=VERSIONS)
def environment(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Environment]:
    version: str = request.param
    name = "it" + version.replace(".", "")
    # A fresh bucket per session, never the user's: deploys mirror deletions.
    bucket = f"mwaa-local-{name}-{secrets.token_hex(3)}"
    workspace = tmp_path_factory.mktemp(name)
    (workspace / "dags").mkdir()
    options = {"core.default_task_retries": "2", "mwaa_local_test.marker": "a$b'c"}
    record = {
        "Name": name,
        "AirflowVersion": version,
        "SourceBucketArn": f"arn:aws:s3:::{bucket}",
        "AirflowConfigurationOptions": options,
    }
    (workspace / "environment.json").write_text(json.dumps(record))
    env = Environment(name, version, workspace, free_port(), bucket)
    cli(workspace, "down", "--volumes", "--name", name)  # a stale run of an earlier session
    started = env.cli("up", "--timings", "dev", "--web-port", str(env.web_port), "--timeout", "600")
    if started.returncode != 0:
        logs = env.logs() if Context.load().state(name).exists() else ""
        pytest.fail(f"mwaa-local up failed for Airflow {version}:\n{started.stdout}\n{started.stderr}\n{logs}")
    yield env
    try:
        delete_bucket(env.s3(), bucket)
    finally:
        finished = env.cli("down", "--volumes")
        assert finished.returncode == 0, finished.stdout + finished.stderr
