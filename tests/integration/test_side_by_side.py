"""Several environments at once, as in one MWAA account: two Airflow versions side by side,
each running its own DAG on its own workers; the region lives as long as one of them runs."""

from __future__ import annotations

import secrets
from concurrent.futures import ThreadPoolExecutor

from tests.support import XCOM_DAG_FILES, Environment


def test_two_versions_run_dags_side_by_side(both: list[Environment]) -> None:
    for environment in both:
        environment.ensure_dag("it_xcom", *XCOM_DAG_FILES)
    run_id = f"it_side_{secrets.token_hex(3)}"
    with ThreadPoolExecutor(max_workers=len(both)) as pool:
        states = list(pool.map(lambda environment: environment.run_dag("it_xcom", run_id), both))
    assert states == ["success"] * len(both), [environment.logs() for environment in both]
    for environment in both:
        report = environment.xcoms("it_xcom", run_id)["where_am_i"]
        assert report["hostname"] in environment.container_hostnames("worker"), "its own workers"
        assert report["AWS_EXECUTION_ENV"] == "Amazon_MWAA_" + environment.version.replace(".", "")
        assert report["AIRFLOW_ENV_NAME"] == environment.name
    buckets = {environment.bucket for environment in both}
    assert len(buckets) == len(both), "each environment has its own bucket"


# That the region stops with the last environment and keeps the buckets is test_persistence's
# (its environment is the last one of its session): here the other environment keeps it up.
def test_the_region_stays_while_another_environment_runs(both: list[Environment]) -> None:
    first = both[0]
    try:
        stopped = first.cli("down")
        assert stopped.returncode == 0, stopped.stderr
        assert "the region (S3 service, MWAA API) stopped too" not in stopped.stdout
        assert first.region_running(), "the region stays while another environment runs"
    finally:
        # The session's environment runs again for the tests after this one.
        restarted = first.up()
        assert restarted.returncode == 0, restarted.stdout + restarted.stderr
