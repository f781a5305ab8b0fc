"""Fixtures of the e2e tests: real clients, configured as a user's would be."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.e2e.mwaa_api import wait_deleted, wait_settled
from tests.support import Environment, env_exports


@pytest.fixture
def exports(environment: Environment) -> dict[str, str]:
    """What `mwaa-local env` prints for the environment's region (boto3, the aws CLI, https clients)."""
    return env_exports(environment)


@pytest.fixture
def mwaa(exports: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Any:
    """boto3's MWAA client configured by nothing but the exported variables, as a user's script."""
    for variable, value in exports.items():
        monkeypatch.setenv(variable, value)
    return boto3.session.Session().client("mwaa")


@pytest.fixture
def s3(mwaa: Any) -> Any:
    """boto3's S3 client from the same exports (the `mwaa` fixture set them)."""
    return boto3.session.Session().client("s3")


@pytest.fixture
def cleanup(mwaa: Any) -> Iterator[list[str]]:
    """Names to delete after the test, whatever it left."""
    names: list[str] = []
    yield names
    for name in names:
        try:
            wait_settled(mwaa, name, 600)
            mwaa.delete_environment(Name=name)
        except ClientError:
            continue
        wait_deleted(mwaa, name)
