"""Tasks that use S3 the way MWAA DAGs do, with no configuration at all: the `aws_default`
connection through S3Hook, plain boto3, and an S3KeySensor. The bucket and keys come from the
run's conf, as a DAG would name its own bucket."""

from __future__ import annotations

import boto3
import pendulum
from airflow.providers.amazon.aws.hooks.s3 import S3Hook
from airflow.providers.amazon.aws.sensors.s3 import S3KeySensor

try:  # Airflow 3
    from airflow.sdk import dag, get_current_context, task
except ImportError:  # Airflow 2
    from airflow.decorators import dag, task
    from airflow.operators.python import get_current_context


@dag(dag_id="it_s3", schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=False)
def it_s3():
    @task
    def write_and_read_with_s3hook() -> dict:
        conf = get_current_context()["dag_run"].conf
        hook = S3Hook()  # aws_default, as on MWAA
        key = f"it-s3/{conf['run']}/hook.txt"
        hook.load_string(f"written by S3Hook in {conf['run']}", key=key, bucket_name=conf["bucket"], replace=True)
        listed = hook.list_keys(bucket_name=conf["bucket"], prefix=f"it-s3/{conf['run']}/")
        return {"listed": sorted(listed), "read": hook.read_key(key, bucket_name=conf["bucket"])}

    @task
    def write_and_read_with_boto3() -> str:
        conf = get_current_context()["dag_run"].conf
        s3 = boto3.client("s3")
        key = f"it-s3/{conf['run']}/boto3.txt"
        s3.put_object(Bucket=conf["bucket"], Key=key, Body=f"written by boto3 in {conf['run']}".encode())
        return s3.get_object(Bucket=conf["bucket"], Key=key)["Body"].read().decode()

    wait_for_upload = S3KeySensor(
        task_id="wait_for_upload",
        bucket_name="{{ dag_run.conf['bucket'] }}",
        bucket_key="{{ dag_run.conf['awaited_key'] }}",
        poke_interval=1,
        timeout=300,
        mode="poke",
    )

    write_and_read_with_s3hook() >> write_and_read_with_boto3() >> wait_for_upload


it_s3()
