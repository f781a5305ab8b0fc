"""Policies the user attaches to an execution role: `<state home>/roles/<RoleName>.json`, one IAM
policy document per role (docs/reference.md §7.1). Read again whenever the file changes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from emulator.model import execution_role
from emulator.model.policy import PolicyError, parse
from emulator.model.record import EnvironmentRecord

FOLDER = "roles"


def policy_path(home: Path, role_name: str) -> Path:
    return home / FOLDER / f"{role_name}.json"


def read_attached(path: Path) -> dict[str, Any] | None:
    """The document in `path` (None when there is no file); PolicyError naming the file and the
    member at fault, so a typo never silently grants or removes anything."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise PolicyError(f"{path} is not readable: {error}") from error
    try:
        document = json.loads(text)
    except ValueError as error:
        raise PolicyError(f"{path} is not JSON: {error}") from error
    parse(document, str(path))
    return dict(document)


def role_policy(home: Path, record: EnvironmentRecord) -> dict[str, Any]:
    """The identity policy of `record`'s execution role: MWAA's default for the environment and
    the role's attached file; PolicyError when that file is broken."""
    role_arn = str(record.fields["ExecutionRoleArn"])
    attached = read_attached(policy_path(home, execution_role.role_name(role_arn)))
    return execution_role.combined(execution_role.default_policy(record.name, record.bucket), attached)
