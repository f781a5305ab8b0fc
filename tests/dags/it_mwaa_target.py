"""The DAG it_mwaa_trigger triggers through the MWAA API."""

import pendulum
from airflow.sdk import DAG, task

with DAG("it_mwaa_target", schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=False):

    @task
    def received(**context):
        return context["dag_run"].conf.get("from")

    received()
