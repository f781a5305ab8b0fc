"""The MWAA API of the running region, through unmodified boto3 and the aws CLI configured only
from `mwaa-local env`: the records of the environments `up` made, MWAA's errors, signatures and
policies. Environments the API creates, updates and deletes: test_environment_lifecycle.py."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
from pathlib import Path
from typing import Any

import boto3
import pytest

from emulator.cli.lifecycle import Context
from emulator.state.settings import HOME
from tests.e2e.mwaa_api import aws, create_input, error_of, new_bucket, wait_settled
from tests.support import Environment, cli, env_exports, wait_for


@pytest.fixture
def exports(both: list[Environment]) -> dict[str, str]:
    return env_exports(both[0])


def test_the_up_environments_have_mwaa_records(mwaa: Any, both: list[Environment]) -> None:
    names = mwaa.list_environments()["Environments"]
    for environment in both:
        assert environment.name in names
        found = mwaa.get_environment(Name=environment.name)["Environment"]
        assert found["Status"] == "AVAILABLE"
        assert found["Arn"] == f"arn:aws:airflow:us-east-1:000000000000:environment/{environment.name}"
        assert found["AirflowVersion"] == environment.version
        assert found["WebserverUrl"] == f"localhost:{environment.https_port}", "the edge's https port"
        assert found["LastUpdate"]["Status"] == "SUCCESS"
        assert found["SourceBucketArn"] == f"arn:aws:s3:::{environment.bucket}"
        printed = cli(environment.workspace, "get", environment.name)
        assert printed.returncode == 0, printed.stderr
        assert json.loads(printed.stdout)["Environment"]["Arn"] == found["Arn"], "the CLI and boto3 see one record"


def test_errors_are_mwaas(mwaa: Any, s3: Any, both: list[Environment]) -> None:
    taken = both[0].name
    assert error_of(mwaa.get_environment, Name="nosuchenvironment") == (
        404,
        "ResourceNotFoundException",
        "Environment nosuchenvironment not found.",
    )
    bucket = new_bucket(s3)
    assert error_of(mwaa.create_environment, **create_input(taken, bucket)) == (
        400,
        "ValidationException",
        f"Environment {taken} already exists.",
    )
    assert error_of(mwaa.create_environment, **create_input("itnobucket", "mwaa-local-api-missing")) == (
        400,
        "ValidationException",
        "Invalid request provided: Provided bucket mwaa-local-api-missing does not exist.",
    )
    unversioned = new_bucket(s3, versioned=False)
    assert error_of(mwaa.create_environment, **create_input("itunversioned", unversioned)) == (
        400,
        "ValidationException",
        f"Invalid request provided: Provided bucket does not have versioning enabled for s3 bucket {unversioned}.",
    )
    workers = create_input("itworkers", bucket, MinWorkers=5, MaxWorkers=2)
    assert error_of(mwaa.create_environment, **workers) == (
        400,
        "ValidationException",
        "1 validation error detected: MinWorkers (5) must not exceed MaxWorkers (2).",
    )
    unknown_arn = "arn:aws:airflow:us-east-1:000000000000:environment/nosuchenvironment"
    assert error_of(mwaa.tag_resource, ResourceArn=unknown_arn, Tags={"a": "b"})[:2] == (
        404,
        "ResourceNotFoundException",
    )
    assert error_of(mwaa.list_environments, NextToken="garbage")[:2] == (400, "ValidationException")
    names = mwaa.list_environments()["Environments"]
    assert not {"itnobucket", "itunversioned", "itworkers"} & set(names), "nothing refused was kept"


VIEWER_KEY, VIEWER_SECRET = "AKIAVIEWER0000000001", secrets.token_urlsafe(24)
VIEWER_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["airflow:GetEnvironment", "airflow:ListEnvironments"], "Resource": "*"},
        {"Effect": "Allow", "Action": "airflow:CreateWebLoginToken", "Resource": "arn:aws:airflow:*:*:role/*/Viewer"},
    ],
}


def test_unsigned_and_wrongly_signed_requests_are_refused(exports: dict[str, str], mwaa: Any) -> None:
    endpoint = exports["AWS_ENDPOINT_URL_MWAA"]
    unsigned = subprocess.run(
        ["curl", "-sS", "-i", f"{endpoint}/environments"], capture_output=True, text=True, timeout=60, check=True
    )
    head, _, body = unsigned.stdout.partition("\n\n")  # text mode: curl's CRLFs read as newlines
    assert head.startswith("HTTP/1.1 403"), unsigned.stdout
    headers = dict(line.lower().split(": ", 1) for line in head.splitlines()[1:])
    assert headers["x-amzn-errortype"] == "accessdeniedexception", head
    assert "Missing Authentication Token" in json.loads(body)["Message"]

    wrong_secret = {**exports, "AWS_SECRET_ACCESS_KEY": "not-the-secret"}
    refused = aws(wrong_secret, "list-environments")
    assert refused.returncode in (254, 255), refused.stdout  # the aws CLI v2 and v1 exit codes of a service error
    assert "(AccessDeniedException)" in refused.stderr and "signature we calculated does not match" in refused.stderr
    stranger = boto3.session.Session(aws_access_key_id="AKIANOBODY0000000000", aws_secret_access_key="x" * 20)
    assert error_of(stranger.client("mwaa").list_environments) == (
        403,
        "AccessDeniedException",
        "The security token included in the request is invalid.",
    )
    assert mwaa.list_environments()["Environments"], "the exported keys are the admin's"


def test_a_viewer_from_the_principals_file_reads_and_is_refused_the_rest(
    exports: dict[str, str], mwaa: Any, s3: Any, both: list[Environment]
) -> None:
    principals = Path(os.environ[HOME.variable]) / "principals.json"
    entry = {"Name": "viewer", "AccessKeyId": VIEWER_KEY, "SecretAccessKey": VIEWER_SECRET, "Policy": VIEWER_POLICY}
    principals.write_text(json.dumps({"Principals": [entry]}))
    try:
        session = boto3.session.Session(aws_access_key_id=VIEWER_KEY, aws_secret_access_key=VIEWER_SECRET)
        viewer = session.client("mwaa")
        assert {environment.name for environment in both} <= set(viewer.list_environments()["Environments"])
        assert viewer.get_environment(Name=both[0].name)["Environment"]["Status"] == "AVAILABLE"
        status, code, message = error_of(viewer.create_environment, **create_input("itviewer", new_bucket(s3)))
        assert (status, code) == (403, "AccessDeniedException")
        assert message == (
            "User: arn:aws:iam::000000000000:user/viewer is not authorized to perform: airflow:CreateEnvironment on "
            "resource: arn:aws:airflow:us-east-1:000000000000:environment/itviewer because no identity-based "
            "policy allows the airflow:CreateEnvironment action"
        )
        status, code, message = error_of(viewer.invoke_rest_api, Name=both[0].name, Path="/dags", Method="GET")
        assert (status, code) == (403, "AccessDeniedException") and "Airflow role" in message, message
        assert error_of(viewer.delete_environment, Name=both[0].name)[1] == "AccessDeniedException"
        assert "itviewer" not in mwaa.list_environments()["Environments"], "nothing refused was created"
        assert mwaa.get_environment(Name=both[0].name)["Environment"]["Status"] == "AVAILABLE"

        principals.write_text("{broken")
        status, code, message = error_of(viewer.list_environments)
        assert (status, code) == (403, "AccessDeniedException") and "principals.json is not readable JSON" in message
        assert mwaa.list_environments()["Environments"], "a broken principals file never locks the admin out"
    finally:
        principals.unlink(missing_ok=True)


def test_a_create_cut_short_by_a_control_plane_restart_settles(
    mwaa: Any, s3: Any, cleanup: list[str], both: list[Environment]
) -> None:
    name = f"itcut{secrets.token_hex(2)}"
    cleanup.append(name)
    mwaa.create_environment(**create_input(name, new_bucket(s3), AirflowVersion="2.10.3"))
    state = Context.load().state(name)
    wait_for(lambda: "starting" in (state.directory / "status.json").read_text(), 300, f"{name} starting")
    (control_plane,) = [c.name for c in Context.load().region().project.containers() if c.service == "control-plane"]
    subprocess.run(["docker", "restart", "--time", "1", control_plane], check=True, capture_output=True)
    settled = wait_for(lambda: wait_settled(mwaa, name, 120)[0], 180, f"{name} settled after the restart")
    assert settled["Status"] == "CREATE_FAILED", settled
    assert settled["LastUpdate"]["Error"]["ErrorCode"] == "INTERRUPTED"
    assert "interrupted by a restart of the mwaa-local control plane" in settled["LastUpdate"]["Error"]["ErrorMessage"]
    names = mwaa.list_environments()["Environments"]
    assert {environment.name for environment in both} <= set(names), "records survive the restart"
