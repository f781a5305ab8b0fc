"""What the MWAA API's end-to-end tests share: requests as a user writes them, and waits on the
records they change."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from emulator.cli.lifecycle import Context
from tests.support import Environment, wait_for

SETTLED = ("AVAILABLE", "CREATE_FAILED", "UPDATE_FAILED", "UNAVAILABLE")
ROLE = "arn:aws:iam::000000000000:role/mwaa-local-execution-role"
NETWORK = {"SubnetIds": ["subnet-a", "subnet-b"], "SecurityGroupIds": ["sg-a"]}


def new_bucket(s3: Any, versioned: bool = True) -> str:
    bucket = f"mwaa-local-api-{secrets.token_hex(4)}"
    s3.create_bucket(Bucket=bucket)
    if versioned:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    return bucket


def create_input(name: str, bucket: str, **members: Any) -> dict[str, Any]:
    return {
        "Name": name,
        "ExecutionRoleArn": ROLE,
        "SourceBucketArn": f"arn:aws:s3:::{bucket}",
        "DagS3Path": "dags",
        "NetworkConfiguration": NETWORK,
        **members,
    }


def error_of(call: Any, **arguments: Any) -> tuple[int, str, str]:
    with pytest.raises(ClientError) as caught:
        call(**arguments)
    response = caught.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"], response["Error"]["Message"]


def wait_settled(mwaa: Any, name: str, timeout: float = 600) -> tuple[dict[str, Any], list[str]]:
    """The environment once its status settles, and every status seen on the way."""
    seen: list[str] = []

    def settled() -> dict[str, Any] | None:
        environment: dict[str, Any] = mwaa.get_environment(Name=name)["Environment"]
        if not seen or seen[-1] != environment["Status"]:
            seen.append(environment["Status"])
        return environment if environment["Status"] in SETTLED else None

    try:
        # An error (no such environment) ends the wait at once: the caller decides what it means.
        return wait_for(settled, timeout, f"{name} to settle", interval=1, retrying=()), seen
    except AssertionError as error:
        raise AssertionError(f"{error}; statuses seen: {seen}\n{diagnosis(name)}") from None


def diagnosis(name: str) -> str:
    """What the control plane says about an environment's job: its record's progress and its log."""
    status_file = Context.load().state(name).directory / "status.json"
    progress = status_file.read_text() if status_file.exists() else "no status.json"
    names = [c.name for c in Context.load().region().project.containers() if c.service == "control-plane"]
    logs = subprocess.run(["docker", "logs", "--tail", "60", *names[:1]], capture_output=True, text=True)
    return f"status.json: {progress}\ncontrol plane log:\n{logs.stdout[-4000:]}{logs.stderr[-4000:]}"


def wait_deleted(mwaa: Any, name: str, timeout: float = 300) -> list[str]:
    seen: list[str] = []

    def gone() -> bool:
        try:
            status = mwaa.get_environment(Name=name)["Environment"]["Status"]
        except ClientError as error:
            assert error.response["Error"]["Code"] == "ResourceNotFoundException"
            return True
        if not seen or seen[-1] != status:
            seen.append(status)
        return False

    try:
        wait_for(gone, timeout, f"{name} to be deleted", interval=1, retrying=())
    except AssertionError as error:
        raise AssertionError(f"{error}; statuses seen: {seen}") from None
    return seen


def airflow_running(environment: Environment) -> str:
    """The Airflow version the scheduler runs."""
    return environment.exec("scheduler", "airflow", "version").strip().splitlines()[-1]


def same_settings(environment: dict[str, Any], name: str, also_differing: tuple[str, ...] = ()) -> dict[str, Any]:
    """A GetEnvironment record without what differs between two environments of the same settings."""
    differing = ("CreatedAt", "LastUpdate", "WebserverUrl", "SourceBucketArn", "EnvironmentClass", *also_differing)
    kept = {member: value for member, value in environment.items() if member not in differing}
    return dict(json.loads(json.dumps(kept, default=str).replace(name, "<name>")))


def local(name: str, version: str, workspace: Path, environment: dict[str, Any]) -> Environment:
    """The test helpers for an environment the API created."""
    port = Context.load().state(name).local_settings().web_port
    return Environment(name, version, workspace, port, environment["SourceBucketArn"].rsplit(":", 1)[1])


def aws(exports: dict[str, str], *arguments: str) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).with_name("aws")), "mwaa", *arguments, "--output", "json"]
    return subprocess.run(command, capture_output=True, text=True, env={**os.environ, **exports}, timeout=120)
