"""`down` then `up` keeps the run history; `down --volumes` wipes it. Both versions at once:
most of a restart is waiting, and two environments take turns on the cores."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.support import XCOM_DAG_FILES, Environment, wait_for


def up(environment: Environment) -> None:
    # As the session started it (dev timings): `down --volumes` forgets the saved settings, and
    # the tests after this one need the environment as it was.
    result = environment.up()
    assert result.returncode == 0, result.stdout + result.stderr + environment.logs()


def runs(environment: Environment) -> int:
    return int(environment.sql("SELECT count(*) FROM dag_run")[0][0])


def init_log(environment: Environment) -> str:
    return environment.compose("logs", "--no-color", "init").stdout


def down_up_keeps_history_and_down_volumes_wipes_it(environment: Environment) -> None:
    environment.ensure_dag("it_xcom", *XCOM_DAG_FILES)
    assert environment.run_dag("it_xcom", "it_persisted") == "success", environment.logs()

    stopped = environment.cli("down")
    assert stopped.returncode == 0, stopped.stderr
    assert "data kept" in stopped.stdout
    assert not [c for c in environment.containers() if c.state == "running"]
    up(environment)
    assert environment.run_state("it_xcom", "it_persisted") == "success", "the run history survived down/up"
    restarted = init_log(environment)
    assert f"database already migrated for Airflow {environment.version}" in restarted, restarted
    assert "user admin is ready" in restarted, restarted
    wait_for(lambda: "it_xcom.py" in environment.dags_folder(), 30, "the DAG file back in the folder")

    wiped = environment.cli("down", "--volumes")
    assert wiped.returncode == 0, wiped.stderr
    assert "data and saved settings deleted" in wiped.stdout
    up(environment)
    assert runs(environment) == 0, "down --volumes wiped the run history"
    fresh = init_log(environment)
    assert "airflow db migrate done" in fresh and "airflow users create done" in fresh, fresh


# Whether the region stays up while another environment runs, and stops with the last one, is
# test_side_by_side's: here both go down and up at once, so either may be the last.
def test_down_then_up_keeps_history_and_down_volumes_wipes_it(both: list[Environment]) -> None:
    with ThreadPoolExecutor(max_workers=len(both)) as pool:
        outcomes = [pool.submit(down_up_keeps_history_and_down_volumes_wipes_it, environment) for environment in both]
    for outcome in outcomes:
        outcome.result()  # the first failure, with its own message
