"""What `mwaa-local up` asks of an existing environment: UpdateEnvironment with every member it takes."""

from __future__ import annotations

from typing import Any

import pytest

from emulator.cli.lifecycle import update_request
from emulator.model import shapes
from emulator.model.errors import EnvironmentConfigError
from emulator.model.record import build_record
from emulator.service.api.backend import InMemoryOperations

pytestmark = pytest.mark.unit


def current_of(members: dict[str, Any]) -> dict[str, Any]:
    operations = InMemoryOperations()
    record = build_record(members)
    operations.create_environment(record.fields)
    operations.settle()
    environment: dict[str, Any] = operations.get_environment({"Name": record.name})["Environment"]
    return environment


def test_the_request_is_a_valid_update_of_every_member_the_update_takes() -> None:
    before = current_of({"Name": "team", "AirflowConfigurationOptions": {"core.default_task_retries": "2"}})
    record = build_record({"Name": "team", "MaxWorkers": 4})
    request = update_request(record, before)
    assert not shapes.validate_input("UpdateEnvironment", request)
    assert request["Name"] == "team" and request["MaxWorkers"] == 4
    assert request["AirflowConfigurationOptions"] == {}, "options left out of environment.json are removed"
    assert set(request["NetworkConfiguration"]) == {"SecurityGroupIds"}, "subnets cannot change"
    assert "Tags" not in request, "tags go through TagResource"


def test_the_request_applies_to_the_running_record() -> None:
    created = {"Name": "team", "MinWorkers": 2, "MaxWorkers": 3}
    before = current_of(created)
    operations = InMemoryOperations()
    operations.create_environment(build_record(created).fields)
    operations.settle()
    operations.update_environment(update_request(build_record({"Name": "team", "MaxWorkers": 5}), before))
    operations.settle()
    after = operations.get_environment({"Name": "team"})["Environment"]
    assert (after["MinWorkers"], after["MaxWorkers"], after["Status"]) == (1, 5, "AVAILABLE")


def test_members_mwaa_cannot_change_are_refused() -> None:
    before = current_of({"Name": "team"})
    moved = build_record({"Name": "team", "NetworkConfiguration": {"SubnetIds": ["subnet-x", "subnet-y"]}})
    with pytest.raises(EnvironmentConfigError, match="SubnetIds cannot change after the environment is created"):
        update_request(moved, before)
