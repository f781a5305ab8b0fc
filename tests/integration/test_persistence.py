"""`down` then `up` keeps the run history; `down --volumes` wipes it; the region stops with the
last environment and keeps its buckets.

An environment of its own, mw1.micro on the newest version: what persists is the metadata
database's volume and the saved settings, the same for every class and version (init's check of
the migration marker is version-agnostic), and four restarts of the session's shared
environments cost more than this whole test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from emulator.cli import lifecycle
from emulator.cli.lifecycle import Context
from tests.support import (
    XCOM_DAG_FILES,
    Environment,
    prepare_environment,
    running_environment,
    wait_for,
)

REGION_STOPPED = "No environment is running any more: the region (S3 service, MWAA API) stopped too."


@pytest.fixture(scope="module")
def micro(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Environment]:
    environment = prepare_environment(
        tmp_path_factory.mktemp("persistence"), "pe331", "3.3.1", {"EnvironmentClass": "mw1.micro"}
    )
    with running_environment(environment):
        yield environment


def up(environment: Environment) -> None:
    # As the fixture started it (dev timings, its ports): `down --volumes` forgets the saved settings.
    result = environment.up()
    assert result.returncode == 0, result.stdout + result.stderr + environment.logs()


def runs(environment: Environment) -> int:
    return int(environment.sql("SELECT count(*) FROM dag_run")[0][0])


def init_log(environment: Environment) -> str:
    return environment.compose("logs", "--no-color", "init").stdout


def test_down_then_up_keeps_history_and_down_volumes_wipes_it(micro: Environment) -> None:
    environment = micro
    environment.ensure_dag("it_xcom", *XCOM_DAG_FILES)
    assert environment.run_dag("it_xcom", "it_persisted") == "success", environment.logs()

    others = [name for name in lifecycle.running_environments(Context.load()) if name != environment.name]
    stopped = environment.cli("down")
    assert stopped.returncode == 0, stopped.stderr
    assert "data kept" in stopped.stdout
    assert not [c for c in environment.containers() if c.state == "running"]
    if not others:  # the session's only environment (as in its worker): the region stopped with it
        assert REGION_STOPPED in stopped.stdout, stopped.stdout
        assert not environment.region_running()
    else:
        assert environment.region_running(), f"the region stays while {others} run"
    up(environment)
    assert environment.run_state("it_xcom", "it_persisted") == "success", "the run history survived down/up"
    restarted = init_log(environment)
    assert f"database already migrated for Airflow {environment.version}" in restarted, restarted
    assert "user admin is ready" in restarted, restarted
    # From the bucket, kept while the region was down.
    wait_for(lambda: "it_xcom.py" in environment.dags_folder("hybrid"), 30, "the DAG file back in the folder")

    wiped = environment.cli("down", "--volumes")
    assert wiped.returncode == 0, wiped.stderr
    assert "data and saved settings deleted" in wiped.stdout
    up(environment)
    assert runs(environment) == 0, "down --volumes wiped the run history"
    fresh = init_log(environment)
    assert "airflow db migrate done" in fresh and "airflow users create done" in fresh, fresh
