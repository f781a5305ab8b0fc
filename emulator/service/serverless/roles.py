"""Tasks act as their workflow's `RoleArn` (docs/reference.md §24): the role's keys
(state/workflow_roles.py) get a user in the S3 service holding the S3 part of the role's policy,
and an Airflow connection in the engine that the workflow's DAG gives its tasks as their
`aws_conn_id`. The region's other services find the key's role by itself (iam/roles.py)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from emulator.model.account import DEFAULT_REGION
from emulator.model.execution_role import role_name
from emulator.model.serverless.engine import connection_id
from emulator.s3.role_users import RoleUsers, fingerprint
from emulator.service.airflow_rest import AirflowRest
from emulator.state.workflow_roles import WorkflowRoleKeys

USER_PREFIX = "serverless-"


class WorkflowRoles:
    def __init__(self, home: Path, users: Callable[[], RoleUsers]) -> None:
        self.keys = WorkflowRoleKeys(home)
        self.users = users
        self.lock = threading.Lock()
        self.applied: dict[str, str] = {}  # role → fingerprint of what its S3 user has
        self.connected: set[str] = set()  # connections the running engine has

    def forget_connections(self) -> None:
        """The engine stopped: a later start checks its connections again."""
        self.connected.clear()

    def prepare(self, role_arn: str, airflow: AirflowRest) -> str:
        """The role's S3 user in step with its policy and its connection in the engine; the
        connection's id."""
        name = role_name(role_arn)
        with self.lock:
            keys = self.keys.create(name)
            policy = self.keys.policy(name)
            mark = fingerprint(keys.access_key, policy)
            if self.applied.get(name) != mark:
                self.users().apply(USER_PREFIX + name, keys.access_key, keys.secret_key, policy)
                self.applied[name] = mark
            connection = connection_id(name)
            if connection not in self.connected:
                body = {
                    "connection_id": connection,
                    "conn_type": "aws",
                    "login": keys.access_key,
                    "password": keys.secret_key,
                    "extra": json.dumps({"region_name": DEFAULT_REGION}),
                }
                status, _ = airflow.call("POST", "/connections", ok=(200, 201, 409), Body=body)
                if status == 409:
                    airflow.call("PATCH", f"/connections/{quote(connection)}", Body=body)
                self.connected.add(connection)
            return connection
