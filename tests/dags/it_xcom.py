"""Two tasks passing an XCom. The first reports where and as what it ran, and proves the worker
has the synced side files: it imports a helper module and reads a SQL file from the dags folder."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pendulum
from it_helpers.greeting import greeting  # a helper module beside the DAGs, as on MWAA

try:  # Airflow 3
    from airflow.sdk import dag, task
except ImportError:  # Airflow 2
    from airflow.decorators import dag, task

REPORTED = (
    "MWAA_AIRFLOW_COMPONENT",
    "MWAA_COMMAND",
    "AIRFLOW_ENV_NAME",
    "AIRFLOW_ENV_ID",
    "CUSTOMER_ACCOUNT_ID",
    "AWS_EXECUTION_ENV",
    "AWS_REGION",
    "MWAA__CORE__REQUIREMENTS_PATH",
    "MWAA__CORE__STARTUP_SCRIPT_PATH",
    "MWAA__CORE__EXECUTOR_TYPE",
    "MWAA__CORE__AUTH_TYPE",
    "AIRFLOW__CORE__DEFAULT_TASK_RETRIES",
)


@dag(dag_id="it_xcom", schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=False)
def it_xcom():
    @task
    def where_am_i() -> dict:
        sql = (Path(__file__).parent / "sql" / "it_nested_helper.sql").read_text()
        report = {name: os.environ.get(name) for name in REPORTED}
        return {"hostname": socket.gethostname(), "sql": sql, "greeting": greeting(), **report}

    @task
    def shout(report: dict) -> str:
        return f"ran on {report['hostname']} as {report['MWAA_AIRFLOW_COMPONENT']}"

    shout(where_am_i())


it_xcom()
