"""The keys MWAA Serverless workflows' tasks act as their `RoleArn` with (docs/reference.md §24):
one pair per role, made when a run first needs it and kept in
`<home>/region/serverless/roles/<RoleName>.json`. The role's policy is its attached file
(`<home>/roles/<RoleName>.json`), as for an execution role; a role with no file may do nothing,
as in IAM."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from emulator.state.home import RoleCredentials, generate_role_credentials
from emulator.state.private_files import create_private, load_checked
from emulator.state.role_policies import policy_path, read_attached

# A role with no attached policy may do nothing (a policy needs a statement: this one says so).
NO_POLICY: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}],
}


class WorkflowRoleKeys:
    def __init__(self, home: Path) -> None:
        self.home = home
        self.folder = home / "region" / "serverless" / "roles"

    def path(self, role_name: str) -> Path:
        return self.folder / f"{role_name}.json"

    def create(self, role_name: str) -> RoleCredentials:
        """The role's keys: the saved ones, else new ones, saved."""
        path = self.path(role_name)
        if not path.exists():
            create_private(path, json.dumps(asdict(generate_role_credentials()), indent=2))
        return self.credentials(role_name)

    def credentials(self, role_name: str) -> RoleCredentials:
        hint = f"Remove {self.path(role_name)}: the next run of a workflow with this role makes new keys."
        return load_checked(RoleCredentials, self.path(role_name), hint)

    def by_access_key(self) -> dict[str, str]:
        """Every workflow role's access key → its role name."""
        if not self.folder.is_dir():
            return {}
        return {self.credentials(path.stem).access_key: path.stem for path in sorted(self.folder.glob("*.json"))}

    def policy(self, role_name: str) -> dict[str, Any]:
        """The role's identity policy: its attached file; PolicyError when that file is broken."""
        return read_attached(policy_path(self.home, role_name)) or NO_POLICY
