"""Two tasks passing an XCom; the first reports where and as what it ran."""

from __future__ import annotations

import os
import socket

import pendulum

try:  # Airflow 3
    from airflow.sdk import dag, task
except ImportError:  # Airflow 2
    from airflow.decorators import dag, task


@dag(dag_id="it_xcom", schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=False)
def it_xcom():
    @task
    def where_am_i() -> dict:
        names = (
            "MWAA_AIRFLOW_COMPONENT",
            "AIRFLOW_ENV_NAME",
            "AWS_EXECUTION_ENV",
            "AWS_REGION",
            "AIRFLOW__CORE__DEFAULT_TASK_RETRIES",
        )
        return {"hostname": socket.gethostname(), **{name: os.environ.get(name) for name in names}}

    @task
    def shout(report: dict) -> str:
        return f"ran on {report['hostname']} as {report['MWAA_AIRFLOW_COMPONENT']}"

    shout(where_am_i())


it_xcom()
