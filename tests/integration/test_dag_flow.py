"""The MWAA flow end to end: deploy → synced → parsed → run on a Celery worker → XCom in Postgres."""

from __future__ import annotations

import json
import re
import secrets

from tests.integration.test_aws_services import aws, stream_events
from tests.support import XCOM_DAG_FILES, Environment, env_exports, wait_for


def test_deploy_prints_version_ids_and_the_worker_runs_the_synced_files(environment: Environment) -> None:
    for file_name in XCOM_DAG_FILES:
        environment.add_dag(file_name)
    marker = f"sql/it_marker_{secrets.token_hex(3)}.sql"
    environment.add_dag(marker, "SELECT 2;\n")
    output = environment.deploy()
    uploaded = rf"uploaded\s+s3://{environment.bucket}/dags/{re.escape(marker)}\s+version [0-9a-zA-Z._-]{{16,}}"
    assert re.search(uploaded, output), output
    environment.wait_listed("it_xcom")

    run_id = f"it_files_{secrets.token_hex(3)}"
    assert environment.run_dag("it_xcom", run_id) == "success", environment.logs()
    report = environment.xcoms("it_xcom", run_id)["where_am_i"]
    # What the worker itself imported and read: the sync reached the container that runs tasks.
    assert report["hostname"] in environment.container_hostnames("worker")
    assert report["greeting"] == "hello from it_helpers"
    assert report["sql"] == (environment.workspace / "dags/sql/it_nested_helper.sql").read_text()


def test_a_triggered_run_succeeds_on_a_celery_worker_and_its_xcom_is_in_postgres(environment: Environment) -> None:
    environment.ensure_dag("it_xcom", *XCOM_DAG_FILES)
    run_id = f"it_run_{secrets.token_hex(3)}"
    assert environment.run_dag("it_xcom", run_id) == "success", environment.logs()

    workers = environment.container_hostnames("worker")
    ran_on = environment.task_hosts("it_xcom", run_id)
    assert ran_on and ran_on <= workers, f"tasks ran on {ran_on}, workers are {workers}"
    assert not ran_on & environment.container_hostnames("scheduler")

    values = environment.xcoms("it_xcom", run_id)
    report = values["where_am_i"]
    assert report["MWAA_AIRFLOW_COMPONENT"] == "worker"
    assert report["AIRFLOW_ENV_NAME"] == environment.name
    assert report["AWS_EXECUTION_ENV"] == "Amazon_MWAA_" + environment.version.replace(".", "")
    assert report["AWS_REGION"] == "us-east-1"
    assert report["AIRFLOW__CORE__DEFAULT_TASK_RETRIES"] == "2", "AirflowConfigurationOptions reach the worker"
    assert values["shout"] == f"ran on {report['hostname']} as worker"


def test_mwaa_container_variables_reach_tasks_shells_and_exec(environment: Environment) -> None:
    environment.ensure_dag("it_xcom", *XCOM_DAG_FILES)
    run_id = f"it_vars_{secrets.token_hex(3)}"
    assert environment.run_dag("it_xcom", run_id) == "success", environment.logs()
    report = environment.xcoms("it_xcom", run_id)["where_am_i"]
    expected = {
        "CUSTOMER_ACCOUNT_ID": "000000000000",
        "MWAA__CORE__REQUIREMENTS_PATH": "/usr/local/airflow/requirements/requirements.txt",
        "MWAA__CORE__STARTUP_SCRIPT_PATH": "/usr/local/airflow/startup/startup.sh",
        "MWAA__CORE__EXECUTOR_TYPE": "CeleryExecutor",
        "MWAA__CORE__AUTH_TYPE": "testing",
        "MWAA_COMMAND": "worker",
    }
    assert {name: report[name] for name in expected} == expected
    env_id = report["AIRFLOW_ENV_ID"]
    assert re.fullmatch(r"[0-9a-f-]{36}", env_id), env_id

    components = {"scheduler": "scheduler", "worker": "worker"}
    components[environment.web_service] = "webserver"
    for service, component in components.items():
        # `docker compose exec` (what the CLI shim and users run) sees them, not only PID 1 ...
        seen = environment.variables(service)
        assert seen["MWAA_AIRFLOW_COMPONENT"] == component, service
        assert seen["AIRFLOW_ENV_ID"] == env_id, f"{service}: one identity for the whole environment"
        custom = json.loads(seen["MWAA__CORE__CUSTOM_AIRFLOW_CONFIGS"])
        assert custom["AIRFLOW__CORE__DEFAULT_TASK_RETRIES"] == "2"
        assert custom["AIRFLOW__OPERATORS__DEFAULT_QUEUE"] == "my-own-queue", "MWAA passes every option given"
        # ... and so does an interactive shell, from the profile MWAA's entrypoint writes.
        shell = environment.exec(service, "bash", "-ic", "echo $MWAA_AIRFLOW_COMPONENT:$CUSTOMER_ACCOUNT_ID")
        assert shell.strip().splitlines()[-1] == f"{component}:000000000000", service


def test_a_broken_dag_is_an_import_error_and_nothing_crashes(environment: Environment) -> None:
    environment.ensure_dag("it_xcom", *XCOM_DAG_FILES)
    environment.add_dag("it_broken.py")
    environment.deploy()

    def reported() -> bool:
        errors = environment.airflow_json("dags", "list-import-errors")
        return any("it_broken.py" in json.dumps(entry) for entry in errors)

    wait_for(reported, 120, "it_broken.py among the import errors", interval=2)
    # MWAA's DAGProcessing group has the file's own parse log (the stacks log it at WARNING).
    logs = aws(env_exports(environment), "logs")
    group = f"airflow-{environment.name}-DAGProcessing"

    def shipped() -> list[str]:
        lines = stream_events(logs, group, "it_broken.py.log")
        return lines if any("SyntaxError" in line for line in lines) else []

    lines = wait_for(shipped, 90, f"it_broken.py's SyntaxError in {group}", interval=3)
    assert any("ERROR - Failed to import" in line for line in lines), lines[:5]
    assert not [line for line in lines if "Filling up the DagBag" in line], "an INFO line, below WARNING"
    unhealthy = [c.name for c in environment.containers() if c.service != "init" and not c.ready]
    assert not unhealthy, f"not healthy after a broken DAG: {unhealthy}"
    assert "it_xcom" in environment.dag_ids(), "the good DAG is still there"


def test_deleting_from_the_bucket_removes_the_file(environment: Environment) -> None:
    environment.add_dag("it_doomed.py", "# a DAG-folder file that will be deleted\n")
    environment.add_dag("it_kept.py", "# a DAG-folder file that stays\n")
    environment.deploy()
    wait_for(lambda: "it_doomed.py" in environment.dags_folder(), 30, "it_doomed.py to arrive")

    (environment.workspace / "dags" / "it_doomed.py").unlink()
    output = environment.deploy()
    deleted = rf"deleted\s+s3://{environment.bucket}/dags/it_doomed\.py\s+version [0-9a-zA-Z._-]{{16,}}"
    assert re.search(deleted, output), output
    wait_for(lambda: "it_doomed.py" not in environment.dags_folder(), 30, "it_doomed.py to vanish")
    assert "it_kept.py" in environment.dags_folder()


def test_airflow_configuration_options_reach_every_component(environment: Environment) -> None:
    for service in ("scheduler", "worker", environment.web_service):
        variables = environment.exec(service, "env")
        assert "AIRFLOW__CORE__DEFAULT_TASK_RETRIES=2" in variables, service
        assert "AIRFLOW__MWAA_LOCAL_TEST__MARKER=a$b'c" in variables, service
    value = environment.exec("scheduler", "airflow", "config", "get-value", "core", "default_task_retries")
    assert value.strip().splitlines()[-1] == "2"


def test_options_mwaa_overrules_are_reported_by_up_and_never_applied(environment: Environment) -> None:
    for option in ("celery.worker_concurrency", "core.sql_alchemy_conn", "operators.default_queue"):
        assert f"configuration option {option} is ignored, as on MWAA" in environment.up_output, option
    queue = f"airflow-celery-{environment.name}"

    def config(section: str, key: str) -> str:
        output = environment.exec("scheduler", "airflow", "config", "get-value", section, key)
        return output.strip().splitlines()[-1]

    assert config("operators", "default_queue") == queue
    assert config("celery_broker_transport_options", "visibility_timeout") == "43200"
    assert config("database", "sql_alchemy_conn").startswith("postgresql+psycopg2://airflow:")
    variables = environment.variables("worker")
    assert "AIRFLOW__CORE__SQL_ALCHEMY_CONN" not in variables
    assert "AIRFLOW__CELERY__WORKER_CONCURRENCY" not in variables
    # The worker consumes the one queue tasks are sent to, so runs still succeed.
    environment.ensure_dag("it_xcom", *XCOM_DAG_FILES)
    run_id = f"it_queue_{secrets.token_hex(3)}"
    assert environment.run_dag("it_xcom", run_id) == "success", environment.logs()
    queues = environment.sql(f"SELECT DISTINCT queue FROM task_instance WHERE run_id = '{run_id}'")
    assert queues == [[queue]]


def test_mwaa_runs_as_many_schedulers_as_the_record_says(environment: Environment) -> None:
    (container,) = environment.containers("scheduler")
    assert container.ready, container
    # mw1.small's default two, in the one scheduler container.
    wait_for(lambda: environment.live_jobs("SchedulerJob", "scheduler") == 2, 60, "two schedulers heartbeating")
