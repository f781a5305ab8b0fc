"""Tasks reach S3 as on MWAA: S3Hook, boto3 and S3KeySensor work against the environment's
bucket with no configuration (as its execution role, granted the writes the DAG makes), and
nothing points them at real AWS."""

from __future__ import annotations

import io
import secrets

from tests.support import Environment, role_grants, s3_write_allowed, wait_for


def test_s3hook_boto3_and_a_key_sensor_use_the_local_bucket(environment: Environment) -> None:
    environment.ensure_dag("it_s3")
    write = {"Effect": "Allow", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{environment.bucket}/it-s3/*"}
    with role_grants(write):
        role = environment.s3_as_role()
        wait_for(lambda: s3_write_allowed(role, environment.bucket, "it-s3/probe.txt"), 30, "the grant in S3")
        run_the_s3_dag(environment)


def run_the_s3_dag(environment: Environment) -> None:
    run = f"it_s3_{secrets.token_hex(3)}"
    awaited = f"it-s3/{run}/uploaded-by-the-test.txt"
    environment.trigger("it_s3", run, {"bucket": environment.bucket, "run": run, "awaited_key": awaited})

    def sensor_waiting() -> bool:
        rows = environment.sql(
            f"SELECT state FROM task_instance WHERE run_id = '{run}' AND task_id = 'wait_for_upload'"
        )
        return bool(rows) and rows[0][0] in ("running", "up_for_reschedule")

    wait_for(sensor_waiting, 180, "the S3KeySensor to start waiting")
    assert environment.run_state("it_s3", run) == "running", "the sensor waits for the key"
    environment.s3().put_object(environment.bucket, awaited, io.BytesIO(b"here"), 4)
    state = wait_for(
        lambda: (state := environment.run_state("it_s3", run)) in ("success", "failed") and state,
        120,
        "the run to finish",
    )
    assert state == "success", environment.logs()

    values = environment.xcoms("it_s3", run)
    hook = values["write_and_read_with_s3hook"]
    assert hook == {"listed": [f"it-s3/{run}/hook.txt"], "read": f"written by S3Hook in {run}"}
    assert values["write_and_read_with_boto3"] == f"written by boto3 in {run}"
    # The objects the tasks wrote are in the environment's bucket, seen from the host.
    written = environment.s3().get_object(environment.bucket, f"it-s3/{run}/boto3.txt")
    assert written.read() == f"written by boto3 in {run}".encode()


def test_tasks_get_the_local_execution_role_and_never_the_hosts_credentials(environment: Environment) -> None:
    variables = environment.variables("worker")
    assert variables["AWS_ACCESS_KEY_ID"] == environment.role_keys().access_key, "the execution role's key"
    assert variables["AWS_ENDPOINT_URL_S3"] == "http://s3:9000"
    assert variables["AWS_ENDPOINT_URL"] == "http://no-aws-emulator-configured.invalid"
    assert variables["AWS_EC2_METADATA_DISABLED"] == "true"
    listing = environment.exec("worker", "ls", "-a", "/usr/local/airflow")
    assert ".aws" not in listing.split(), "no credentials file of anyone's in the container"
    # Another service, with no emulator named: boto3 fails locally instead of calling AWS.
    probe = (
        "import boto3, botocore.exceptions\n"
        "try:\n    boto3.client('sqs').list_queues()\n"
        "except botocore.exceptions.EndpointConnectionError as error:\n    print('refused:', error)\n"
    )
    output = environment.exec("worker", "python3", "-c", probe)
    assert "refused: Could not connect to the endpoint URL" in output and ".invalid" in output, output
