"""The control plane keeps each environment's S3 user in step with its role's policy: once per
change of the record, the keys or the role's file, never on an idle round; a broken file is
reported once and leaves the user's last policy."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import pytest

from emulator.model.record import build_record
from emulator.service.provider.role_sync import RoleSync
from emulator.state.home import EnvironmentState
from emulator.state.role_policies import policy_path
from emulator.state.settings import Paths


class RecordedUsers:
    def __init__(self) -> None:
        self.applied: list[tuple[str, str, Any]] = []

    def apply(self, environment: str, access_key: str, secret_key: str, policy: dict[str, Any]) -> None:
        self.applied.append((environment, access_key, policy["Statement"]))


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> RecordedUsers:
    users = RecordedUsers()
    monkeypatch.setattr(RoleSync, "users", lambda self: users)
    return users


def touch_later(path: Path) -> None:
    """A change the next round sees even within the file system's time granularity."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))


def test_a_role_is_applied_once_per_change(tmp_path: Path, recorded: RecordedUsers) -> None:
    sync = RoleSync(tmp_path, Paths(tmp_path))
    EnvironmentState(tmp_path, "never-started").save_record(build_record({"Name": "never-started"}))
    state = EnvironmentState(tmp_path, "dev")
    state.save_record(build_record({"Name": "dev"}))
    keys = state.create_role_credentials()

    sync.sync_once()
    sync.sync_once()
    assert [(name, key) for name, key, _ in recorded.applied] == [("dev", keys.access_key)], "started ones, once"

    grant = {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::mwaa-local-dev/*"}
    path = policy_path(tmp_path, "mwaa-local-execution-role")
    path.parent.mkdir()
    path.write_text(json.dumps({"Statement": [grant]}))
    sync.sync_once()
    assert len(recorded.applied) == 2 and recorded.applied[-1][2][-1] == grant
    sync.sync_once()
    assert len(recorded.applied) == 2

    path.write_text(json.dumps({"Statement": [grant]}))  # written again, the same policy
    touch_later(path)
    sync.sync_once()
    assert len(recorded.applied) == 2, "the S3 service is told only what changed"


def test_a_broken_policy_file_is_reported_once_and_changes_nothing(
    tmp_path: Path, recorded: RecordedUsers, caplog: pytest.LogCaptureFixture
) -> None:
    sync = RoleSync(tmp_path, Paths(tmp_path))
    state = EnvironmentState(tmp_path, "dev")
    state.save_record(build_record({"Name": "dev"}))
    state.create_role_credentials()
    sync.sync_once()
    path = policy_path(tmp_path, "mwaa-local-execution-role")
    path.parent.mkdir()
    path.write_text('{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {}}]}')
    with caplog.at_level(logging.WARNING):
        sync.sync_once()
        touch_later(path)
        sync.sync_once()
    assert len(recorded.applied) == 1
    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 1 and "Condition not supported" in warnings[0] and str(path) in warnings[0]
