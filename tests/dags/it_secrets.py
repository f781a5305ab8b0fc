"""Secrets as MWAA DAGs read them: a connection and a variable through the configured Secrets
Manager backend (`secrets.backend` in the environment's configuration), a parameter through the
amazon provider's SSM Parameter Store backend, and a direct boto3 call. Each task returns what
it got or the error it met, so the run succeeds either way and the test reads XCom."""

from __future__ import annotations

import boto3
import botocore.exceptions
import pendulum

try:  # Airflow 3
    from airflow.sdk import BaseHook, Variable, dag, get_current_context, task
except ImportError:  # Airflow 2
    from airflow.decorators import dag, task
    from airflow.hooks.base import BaseHook
    from airflow.models import Variable
    from airflow.operators.python import get_current_context


def conf() -> dict:
    return get_current_context()["dag_run"].conf


@dag(dag_id="it_secrets", schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=False)
def it_secrets():
    @task(retries=0)
    def connection_host() -> str:
        try:
            return BaseHook.get_connection(conf()["connection"]).host
        except Exception as error:  # AirflowNotFoundException: no backend had it
            return type(error).__name__

    @task(retries=0)
    def variable() -> str:
        return Variable.get(conf()["variable"], "missing")

    @task(retries=0)
    def ssm_variable() -> str:
        from airflow.providers.amazon.aws.secrets.systems_manager import SystemsManagerParameterStoreBackend

        backend = SystemsManagerParameterStoreBackend(variables_prefix="/airflow/variables")
        try:
            return str(backend.get_variable(conf()["ssm_variable"]))
        except botocore.exceptions.ClientError as error:
            return error.response["Error"]["Code"]

    @task(retries=0)
    def secret_by_boto3() -> str:
        client = boto3.client("secretsmanager", region_name="us-east-1")
        try:
            return client.get_secret_value(SecretId=f"airflow/variables/{conf()['variable']}")["SecretString"]
        except botocore.exceptions.ClientError as error:
            return error.response["Error"]["Code"]

    [connection_host(), variable(), ssm_variable(), secret_by_boto3()]


it_secrets()
