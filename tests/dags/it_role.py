"""What a task may do as its environment's execution role: each task tries one call and returns
what came back (the service's error code, or what the call gave), so a run succeeds either way
and the test reads the outcome from XCom."""

from __future__ import annotations

import boto3
import botocore.exceptions
import pendulum

try:  # Airflow 3
    from airflow.sdk import dag, get_current_context, task
except ImportError:  # Airflow 2
    from airflow.decorators import dag, task
    from airflow.operators.python import get_current_context


def outcome(call) -> str:
    try:
        return str(call())
    except botocore.exceptions.ClientError as error:
        return error.response["Error"]["Code"]


@dag(dag_id="it_role", schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=False)
def it_role():
    @task(retries=0)
    def read_own_dags() -> str:
        conf = get_current_context()["dag_run"].conf
        s3 = boto3.client("s3")
        return outcome(lambda: s3.get_object(Bucket=conf["bucket"], Key="dags/it_role.py")["ContentLength"] > 0)

    @task(retries=0)
    def write_own_bucket() -> str:
        conf = get_current_context()["dag_run"].conf
        key = f"it-role/{conf['run']}.txt"
        return outcome(lambda: boto3.client("s3").put_object(Bucket=conf["bucket"], Key=key, Body=b"x") and "written")

    @task(retries=0)
    def get_own_environment() -> str:
        conf = get_current_context()["dag_run"].conf
        mwaa = boto3.client("mwaa", region_name="us-east-1")
        return outcome(lambda: mwaa.get_environment(Name=conf["env_name"])["Environment"]["Name"])

    [read_own_dags(), write_own_bucket(), get_own_environment()]


it_role()
