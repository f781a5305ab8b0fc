"""Real clients against a running environment: boto3 for S3, curl for the Airflow API."""

from __future__ import annotations

import json
import subprocess

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from emulator.cli.lifecycle import Context
from tests.support import XCOM_DAG_FILES, Environment, wait_for


def s3_client(exports: dict[str, str], **overrides: str):
    settings = {**exports, **overrides}
    return boto3.client(
        "s3",
        endpoint_url=settings["AWS_ENDPOINT_URL_S3"],
        aws_access_key_id=settings["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=settings["AWS_SECRET_ACCESS_KEY"],
        region_name=settings["AWS_DEFAULT_REGION"],
        config=Config(s3={"addressing_style": "path"}),
    )


@pytest.fixture
def s3(exports: dict[str, str]):
    """A boto3 S3 client configured only from what `mwaa-local env` prints, as a user would."""
    return s3_client(exports)


def test_the_s3_service_refuses_strangers(environment: Environment, exports: dict[str, str]) -> None:
    stranger = s3_client(exports, AWS_ACCESS_KEY_ID="not-a-key-of-ours")
    with pytest.raises(ClientError) as caught:
        stranger.list_objects_v2(Bucket=environment.bucket)
    assert caught.value.response["Error"]["Code"] == "InvalidAccessKeyId"
    forger = s3_client(exports, AWS_SECRET_ACCESS_KEY="not-the-secret-of-this-key")
    with pytest.raises(ClientError) as caught:
        forger.list_objects_v2(Bucket=environment.bucket)
    assert caught.value.response["Error"]["Code"] == "SignatureDoesNotMatch", "the key id alone proves nothing"
    code, _ = curl(f"{exports['AWS_ENDPOINT_URL_S3']}/{environment.bucket}/dags/")
    assert code == 403, "anonymous reads are refused"


def test_the_bucket_is_versioned_as_mwaa_requires(environment: Environment, s3) -> None:
    assert s3.get_bucket_versioning(Bucket=environment.bucket)["Status"] == "Enabled"


def test_a_dag_uploaded_with_boto3_is_synced_and_parsed(environment: Environment, s3) -> None:
    dag = (
        "import pendulum\n"
        "try:\n    from airflow.sdk import DAG\nexcept ImportError:\n    from airflow import DAG\n"
        "with DAG('e2e_boto3', schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz='UTC')):\n    pass\n"
    )
    first = s3.put_object(Bucket=environment.bucket, Key="dags/e2e_boto3.py", Body=dag.encode())
    assert first["VersionId"] not in ("", "null")
    wait_for(lambda: "e2e_boto3.py" in environment.dags_folder(), 30, "the boto3 upload in the dags folder")
    wait_for(lambda: "e2e_boto3" in environment.dag_ids(), 90, "e2e_boto3 in Airflow", interval=2)

    second = s3.put_object(Bucket=environment.bucket, Key="dags/e2e_boto3.py", Body=dag.encode() + b"# v2\n")
    assert second["VersionId"] != first["VersionId"]
    versions = s3.list_object_versions(Bucket=environment.bucket, Prefix="dags/e2e_boto3.py")["Versions"]
    assert {v["VersionId"] for v in versions} >= {first["VersionId"], second["VersionId"]}
    wait_for(
        lambda: "# v2" in environment.exec("worker", "cat", "/usr/local/airflow/dags/e2e_boto3.py"),
        30,
        "the new version on the worker",
    )


def curl(*arguments: str) -> tuple[int, str]:
    result = subprocess.run(
        ["curl", "-sS", "-w", "\n%{http_code}", *arguments], capture_output=True, text=True, check=True
    )
    body, _, code = result.stdout.rpartition("\n")
    return int(code), body


def test_the_airflow_api_refuses_strangers_and_serves_the_admin(environment: Environment) -> None:
    base = f"http://127.0.0.1:{environment.web_port}"
    password = Context.load().state(environment.name).secrets().admin_password
    environment.ensure_dag("it_xcom", *XCOM_DAG_FILES)
    if environment.family == 3:
        code, _ = curl(f"{base}/api/v2/dags")
        assert code == 401

        def token_request(secret: str) -> tuple[int, str]:
            credentials = json.dumps({"username": "admin", "password": secret})
            return curl("-X", "POST", "-H", "Content-Type: application/json", "-d", credentials, f"{base}/auth/token")

        assert token_request("wrong")[0] == 401
        code, body = token_request(password)
        assert code in (200, 201), body
        token = json.loads(body)["access_token"]
        code, body = curl("-H", f"Authorization: Bearer {token}", f"{base}/api/v2/dags")
    else:
        code, _ = curl(f"{base}/api/v1/dags")
        assert code == 401
        code, _ = curl("-u", "admin:wrong", f"{base}/api/v1/dags")
        assert code == 401
        code, body = curl("-u", f"admin:{password}", f"{base}/api/v1/dags")
    assert code == 200, body
    assert json.loads(body)["total_entries"] >= 1
