"""Fixtures of the e2e tests: real clients, configured as a user's would be."""

from __future__ import annotations

import pytest

from tests.support import Environment, env_exports


@pytest.fixture
def exports(environment: Environment) -> dict[str, str]:
    """What `mwaa-local env` prints for the environment's region (boto3, the aws CLI, https clients)."""
    return env_exports(environment)
