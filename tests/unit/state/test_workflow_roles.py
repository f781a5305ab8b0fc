"""A workflow's tasks sign with their RoleArn's keys and are held to that role's attached file;
a role without one may do nothing."""

from __future__ import annotations

import json
from pathlib import Path

from emulator.service.iam.roles import ExecutionRoles
from emulator.state.workflow_roles import WorkflowRoleKeys

GRANT = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data/*"}],
}


def test_a_workflow_roles_key_is_its_principal_with_its_attached_policy(tmp_path: Path) -> None:
    keys = WorkflowRoleKeys(tmp_path)
    flows = keys.create("flows")
    assert keys.create("flows") == flows, "made once, then kept"
    bare = keys.create("bare")
    (tmp_path / "roles").mkdir()
    (tmp_path / "roles" / "flows.json").write_text(json.dumps(GRANT))
    roles = ExecutionRoles(tmp_path)
    principal = roles(flows.access_key)
    assert principal is not None and principal.arn.endswith(":assumed-role/flows/AmazonMWAA-serverless")
    assert principal.policy.allows("s3:GetObject", "arn:aws:s3:::data/x")
    assert not principal.policy.allows("s3:PutObject", "arn:aws:s3:::data/x")
    nothing = roles(bare.access_key)
    assert nothing is not None and not nothing.policy.allows("s3:GetObject", "arn:aws:s3:::data/x")
    assert roles("ASIAUNKNOWN000000000") is None
