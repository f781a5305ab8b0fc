"""Sample DAG: two tasks, the second reads what the first returned (an XCom)."""

from __future__ import annotations

import pendulum

try:  # Airflow 3
    from airflow.sdk import dag, task
except ImportError:  # Airflow 2
    from airflow.decorators import dag, task


@dag(schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=False, tags=["mwaa-local"])
def example_xcom():
    @task
    def produce() -> dict:
        return {"greeting": "hello from mwaa-local"}

    @task
    def consume(payload: dict) -> str:
        print(payload["greeting"])
        return payload["greeting"].upper()

    consume(produce())


example_xcom()
