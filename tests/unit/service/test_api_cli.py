"""The MWAA API driven by the real aws CLI (host-prefix injection off, dummy credentials)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from emulator.service.api.backend import InMemoryOperations
from emulator.service.api.server import ServerThread
from tests.unit.service.api_access import access_for_tests

pytestmark = pytest.mark.unit

AWS = Path(sys.executable).parent / "aws"


def test_aws_cli_lists_environments(tmp_path: Path) -> None:
    operations = InMemoryOperations()
    operations.create_environment(
        {
            "Name": "env1",
            "ExecutionRoleArn": "arn:aws:iam::000000000000:role/r",
            "SourceBucketArn": "arn:aws:s3:::bucket-one",
            "DagS3Path": "dags",
            "NetworkConfiguration": {"SubnetIds": ["subnet-a", "subnet-b"], "SecurityGroupIds": ["sg-a"]},
        }
    )
    env = {
        **os.environ,
        "AWS_DISABLE_HOST_PREFIX_INJECTION": "true",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
    }
    with ServerThread(operations, access_for_tests()) as server:
        command = [str(AWS), "mwaa", "list-environments", "--endpoint-url", server.url, "--region", "us-east-1"]
        done = subprocess.run([*command, "--output", "json"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"Environments": ["env1"]}
