"""An environment's execution role as a principal of the MWAA API: its containers' keys, MWAA's
default policy plus the role's attached file (read again when it changes), and AWS's refusal
naming the assumed role."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from emulator.model.record import build_record
from emulator.service.api.backend import InMemoryOperations
from emulator.service.api.server import ServerThread
from emulator.service.iam.access import AccessControl
from emulator.service.iam.principals import Principals, admin
from emulator.service.iam.roles import ExecutionRoles
from emulator.state.home import EnvironmentState
from emulator.state.role_policies import policy_path
from tests.unit.service.api_access import ACCESS_KEY, SECRET_KEY
from tests.unit.service.test_iam import BODY, client, error_of

ROLE_CALLER = "arn:aws:sts::000000000000:assumed-role/mwaa-local-execution-role/AmazonMWAA-airflow"


def started(home: Path, name: str) -> EnvironmentState:
    """An environment as a start leaves it in the state home: its record and its role's keys."""
    state = EnvironmentState(home, name)
    state.save_record(build_record({"Name": name}))
    state.create_role_credentials()
    return state


def attach(home: Path, document: Any) -> None:
    path = policy_path(home, "mwaa-local-execution-role")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(document if isinstance(document, str) else json.dumps(document))


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def server(home: Path) -> Iterator[ServerThread]:
    principals = Principals(lambda: admin(ACCESS_KEY, SECRET_KEY), home / "principals.json", ExecutionRoles(home))
    with ServerThread(InMemoryOperations(), AccessControl(principals)) as running:
        yield running


def test_a_role_key_is_found_for_its_environment_only_while_it_exists(home: Path) -> None:
    roles = ExecutionRoles(home)
    assert roles("ASIANOBODY0000000000") is None
    keys = started(home, "dev").role_credentials()
    role = roles(keys.access_key)
    assert role is not None and role.secret_key == keys.secret_key
    assert (role.arn, role.identity) == (ROLE_CALLER, "assumed-role/mwaa-local-execution-role/AmazonMWAA-airflow")
    assert role.policy.allows("airflow:PublishMetrics", "arn:aws:airflow:us-east-1:000000000000:environment/dev")
    shutil.rmtree(EnvironmentState(home, "dev").directory)
    assert roles(keys.access_key) is None, "a deleted environment's keys are nobody's"


def test_a_role_may_call_only_what_its_policy_grants_and_a_grant_applies_at_once(
    home: Path, server: ServerThread
) -> None:
    for name in ("dev", "prod"):
        client(server.url).create_environment(Name=name, **BODY)
    keys = started(home, "dev").role_credentials()
    started(home, "prod")
    role = client(server.url, keys.access_key, keys.secret_key)

    refused = error_of(role.get_environment, Name="prod")
    assert refused["Code"] == "AccessDeniedException"
    assert refused["Message"] == (
        f"User: {ROLE_CALLER} is not authorized to perform: airflow:GetEnvironment on resource: "
        "arn:aws:airflow:us-east-1:000000000000:environment/prod because no identity-based policy allows the "
        "airflow:GetEnvironment action"
    )
    rest = error_of(role.invoke_rest_api, Name="prod", Path="/dags", Method="GET")
    assert rest["Code"] == "AccessDeniedException" and "Airflow role" in rest["Message"]

    attach(
        home,
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "airflow:GetEnvironment", "Resource": "*"},
                {
                    "Effect": "Allow",
                    "Action": "airflow:InvokeRestApi",
                    "Resource": "arn:aws:airflow:us-east-1:000000000000:role/prod/User",
                },
            ],
        },
    )
    assert role.get_environment(Name="prod")["Environment"]["Name"] == "prod"
    # The Airflow role granted is the caller's: the call gets past access control to the environment.
    reached = error_of(role.invoke_rest_api, Name="prod", Path="/dags", Method="GET")
    assert reached["Code"] != "AccessDeniedException"


def test_a_broken_policy_file_refuses_the_role_naming_the_file(home: Path, server: ServerThread) -> None:
    keys = started(home, "dev").role_credentials()
    attach(home, "{not json")
    refused = error_of(client(server.url, keys.access_key, keys.secret_key).list_environments)
    assert refused["Code"] == "AccessDeniedException"
    assert "roles/mwaa-local-execution-role.json is not JSON" in refused["Message"]
    attach(home, {"Statement": [{"Effect": "Allow", "Action": "airflow:*", "Resource": "*", "Condition": {}}]})
    refused = error_of(client(server.url, keys.access_key, keys.secret_key).list_environments)
    assert "Condition not supported" in refused["Message"]
