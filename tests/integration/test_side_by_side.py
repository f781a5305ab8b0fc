"""Several environments at once, as in one MWAA account: two Airflow versions side by side,
each running its own DAG on its own workers; the region lives as long as one of them runs."""

from __future__ import annotations

import secrets
from concurrent.futures import ThreadPoolExecutor

from emulator.lifecycle import Context
from emulator.stack.region import Region
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


def test_the_region_stops_with_the_last_environment_and_keeps_the_buckets(both: list[Environment]) -> None:
    first, second = both
    first.add_dag("it_survivor.py", "# kept in the bucket while everything is down\n")
    first.deploy()
    try:
        stopped = first.cli("down")
        assert stopped.returncode == 0, stopped.stderr
        assert "the region (S3 service, MWAA API) stopped too" not in stopped.stdout
        assert first.region_running(), "the region stays while another environment runs"

        last = second.cli("down")
        assert last.returncode == 0, last.stderr
        assert "No environment is running any more: the region (S3 service, MWAA API) stopped too." in last.stdout
        context = Context.load()
        assert not context.region().running()

        region = Region(context.home, context.paths)
        region.up(120, lambda _step: None, lambda _readiness, _elapsed: None)  # the buckets are still there
        try:
            names = [item.object_name for item in region.client().list_objects(first.bucket, prefix="dags/")]
            assert "dags/it_survivor.py" in names
        finally:
            region.down(volumes=False)
    finally:
        # The session's environments run again for the tests after this one, side by side.
        with ThreadPoolExecutor(max_workers=len(both)) as pool:
            restarted = list(pool.map(Environment.up, both))
        assert [result.returncode for result in restarted] == [0] * len(both), [r.stdout + r.stderr for r in restarted]
