"""The MWAA flow end to end: deploy → synced → parsed → run on a Celery worker → XCom in Postgres."""

from __future__ import annotations

import json
import re

from tests.support import Environment, wait_for


def test_deploy_prints_version_ids_and_the_file_reaches_scheduler_and_worker(environment: Environment) -> None:
    environment.add_dag("it_xcom.py")
    environment.add_dag("sql/it_nested_helper.sql", "SELECT 1;\n")
    output = environment.deploy()
    uploaded = rf"uploaded\s+s3://{environment.bucket}/dags/it_xcom\.py\s+version [0-9a-f-]{{16,}}"
    assert re.search(uploaded, output), output

    expected = {"it_xcom.py", "sql/it_nested_helper.sql"}
    wait_for(
        lambda: expected <= environment.dags_folder("scheduler"), 30, "the DAG files in the scheduler's dags folder"
    )
    assert expected <= environment.dags_folder("worker")


def test_the_dag_is_listed_by_airflow(environment: Environment) -> None:
    wait_for(lambda: "it_xcom" in environment.dag_ids(), 90, "it_xcom in `airflow dags list`", interval=2)


def test_a_triggered_run_succeeds_on_a_celery_worker_and_its_xcom_is_in_postgres(environment: Environment) -> None:
    wait_for(lambda: "it_xcom" in environment.dag_ids(), 90, "it_xcom to be listed", interval=2)
    environment.trigger("it_xcom", "it_run_1")
    state = wait_for(
        lambda: (
            environment.run_state("it_xcom", "it_run_1") in ("success", "failed")
            and environment.run_state("it_xcom", "it_run_1")
        ),
        120,
        "the run to finish",
    )
    assert state == "success", environment.logs()

    workers = environment.container_hostnames("worker")
    ran_on = {
        row[0]
        for row in environment.sql(
            "SELECT hostname FROM task_instance WHERE dag_id = 'it_xcom' AND run_id = 'it_run_1'"
        )
    }
    assert ran_on and ran_on <= workers, f"tasks ran on {ran_on}, workers are {workers}"
    assert not ran_on & environment.container_hostnames("scheduler")

    rows = environment.sql(
        "SELECT task_id, value FROM xcom WHERE dag_id = 'it_xcom' AND run_id = 'it_run_1' AND key = 'return_value'"
    )
    values = {task: decode_xcom(value) for task, value in rows}
    report = values["where_am_i"]
    assert report["hostname"] in workers
    assert report["MWAA_AIRFLOW_COMPONENT"] == "worker"
    assert report["AIRFLOW_ENV_NAME"] == environment.name
    assert report["AWS_EXECUTION_ENV"] == "Amazon_MWAA_" + environment.version.replace(".", "")
    assert report["AWS_REGION"] == "us-east-1"
    assert report["AIRFLOW__CORE__DEFAULT_TASK_RETRIES"] == "2", "AirflowConfigurationOptions reach the worker"
    assert values["shout"] == f"ran on {report['hostname']} as worker"


def decode_xcom(raw: str) -> object:
    """XCom values as psql prints them: JSON (Airflow 3, jsonb) or bytea of JSON (Airflow 2)."""
    if raw.startswith("\\x"):
        raw = bytes.fromhex(raw[2:]).decode()
    return json.loads(raw)


def test_a_broken_dag_is_an_import_error_and_nothing_crashes(environment: Environment) -> None:
    environment.add_dag("it_broken.py")
    environment.deploy()

    def reported() -> bool:
        errors = environment.airflow_json("dags", "list-import-errors")
        return any("it_broken.py" in json.dumps(entry) for entry in errors)

    wait_for(reported, 90, "it_broken.py among the import errors", interval=2)
    containers = environment.project.containers()
    unhealthy = [c.name for c in containers if c.service != "init" and not c.ready]
    assert not unhealthy, f"not healthy after a broken DAG: {unhealthy}"
    assert "it_xcom" in environment.dag_ids(), "the good DAG is still there"


def test_deleting_from_the_bucket_removes_the_file(environment: Environment) -> None:
    environment.add_dag("it_doomed.py", "# a DAG-folder file that will be deleted\n")
    environment.deploy()
    wait_for(lambda: "it_doomed.py" in environment.dags_folder(), 30, "it_doomed.py to arrive")

    (environment.workspace / "dags" / "it_doomed.py").unlink()
    output = environment.deploy()
    deleted = rf"deleted\s+s3://{environment.bucket}/dags/it_doomed\.py\s+version [0-9a-f-]{{16,}}"
    assert re.search(deleted, output), output
    wait_for(lambda: "it_doomed.py" not in environment.dags_folder(), 30, "it_doomed.py to vanish")
    assert "it_xcom.py" in environment.dags_folder()


def test_airflow_configuration_options_reach_every_component(environment: Environment) -> None:
    for service in ("scheduler", "worker", "triggerer", "api-server" if environment.family == 3 else "webserver"):
        variables = environment.exec(service, "env")
        assert "AIRFLOW__CORE__DEFAULT_TASK_RETRIES=2" in variables, service
        assert "AIRFLOW__MWAA_LOCAL_TEST__MARKER=a$b'c" in variables, service
    value = environment.exec("scheduler", "airflow", "config", "get-value", "core", "default_task_retries")
    assert value.strip().splitlines()[-1] == "2"
