"""The DAG it_mwaa_trigger triggers through the MWAA API (on Airflow 3 and 2 alike)."""

import pendulum

try:
    from airflow.sdk import DAG, task
except ImportError:  # Airflow 2
    from airflow import DAG
    from airflow.decorators import task

with DAG("it_mwaa_target", schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=False):

    @task
    def received(**context):
        return context["dag_run"].conf.get("from")

    received()
