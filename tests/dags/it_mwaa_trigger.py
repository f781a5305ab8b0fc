"""Triggers it_mwaa_target in the environment the run's conf names (this one, or another)
through the MWAA API (InvokeRestApi), with the amazon provider's MwaaTriggerDagRunOperator and
no configuration, and waits for that run to finish: the container's variables point boto3's
`mwaa` client at the local control plane as the execution role, which needs a grant of
airflow:InvokeRestApi on the target environment, as on MWAA."""

import pendulum
from airflow.providers.amazon.aws.operators.mwaa import MwaaTriggerDagRunOperator
from airflow.sdk import DAG

with DAG("it_mwaa_trigger", schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=False):
    MwaaTriggerDagRunOperator(
        task_id="trigger_target",
        env_name="{{ dag_run.conf['env_name'] }}",
        trigger_dag_id="it_mwaa_target",
        trigger_run_id="{{ dag_run.conf['target_run_id'] }}",
        # MwaaHook drops members that are None, and Airflow 3.3's REST API requires logical_date.
        logical_date="{{ dag_run.conf['logical_date'] }}",
        conf={"from": "MwaaTriggerDagRunOperator"},
        wait_for_completion=True,
        waiter_delay=2,
        waiter_max_attempts=60,
        retries=0,  # a refusal fails the run at once
    )
