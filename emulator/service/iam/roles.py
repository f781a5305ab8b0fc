"""The environments' execution roles as principals of the MWAA API (docs/reference.md §7.1).

An environment's containers sign with its role's keys (`<env>/role.json`); the policy they are
held to is MWAA's default execution-role policy plus the role's attached file, read on every
request so a change to the file applies to the next call. MWAA Serverless workflows' tasks sign
with their `RoleArn`'s keys (state/workflow_roles.py), held to that role's attached file.
"""

from __future__ import annotations

from pathlib import Path

from emulator.model import execution_role
from emulator.model.errors import StateError
from emulator.model.policy import parse
from emulator.model.serverless.engine import WORKFLOW_SESSION_NAME
from emulator.service.iam.principals import Principal
from emulator.state.home import EnvironmentState, known_environments
from emulator.state.role_policies import role_policy
from emulator.state.workflow_roles import WorkflowRoleKeys


class ExecutionRoles:
    """`roles(access_key)`: the execution role holding that key, or None."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self._environment_by_key: dict[str, str] = {}

    def __call__(self, access_key: str) -> Principal | None:
        if access_key not in self._environment_by_key:
            self._scan()  # a new environment's keys, or an unknown key
        name = self._environment_by_key.get(access_key)
        if name is None:
            return self.workflow_role(access_key)
        state = EnvironmentState(self.home, name)
        try:
            keys = state.role_credentials()
            record = state.load_record()
        except StateError:
            return None  # deleted meanwhile
        if keys.access_key != access_key:
            return None
        role_arn = str(record.fields["ExecutionRoleArn"])
        policy = parse(role_policy(self.home, record), f"the execution role of {name}")
        return Principal(
            execution_role.role_name(role_arn), keys.access_key, keys.secret_key, policy, execution_role.SESSION_NAME
        )

    def workflow_role(self, access_key: str) -> Principal | None:
        """The MWAA Serverless workflow role holding that key (its tasks' identity), or None."""
        keys = WorkflowRoleKeys(self.home)
        try:
            role = keys.by_access_key().get(access_key)
            if role is None:
                return None
            secret = keys.credentials(role).secret_key
        except StateError:
            return None
        policy = parse(keys.policy(role), f"the workflow role {role}")
        return Principal(role, access_key, secret, policy, WORKFLOW_SESSION_NAME)

    def _scan(self) -> None:
        found: dict[str, str] = {}
        for name in known_environments(self.home):
            try:
                found[EnvironmentState(self.home, name).role_credentials().access_key] = name
            except StateError:
                continue  # not started since roles existed
        self._environment_by_key = found
