"""`status` says who an environment's tasks are to AWS and which file grants them more."""

from __future__ import annotations

from pathlib import Path

from emulator.cli import lifecycle, ui
from emulator.model.record import build_record
from emulator.state.home import EnvironmentState
from emulator.state.settings import Paths

ROLE_ARN = "arn:aws:iam::000000000000:role/service-role/DataTeamRole"


def test_status_names_the_role_and_its_policy_file(tmp_path: Path) -> None:
    context = lifecycle.Context(Paths(tmp_path), tmp_path)
    assert lifecycle.role_policy_file(context, "dev") is None, "no record, nothing to say"
    EnvironmentState(tmp_path, "dev").save_record(build_record({"Name": "dev", "ExecutionRoleArn": ROLE_ARN}))
    found = lifecycle.role_policy_file(context, "dev")
    assert found == ("DataTeamRole", tmp_path / "roles" / "DataTeamRole.json")
    assert ui.role_line(*found) == (
        f"  execution role: DataTeamRole, MWAA's default policy; grant more in {tmp_path}/roles/DataTeamRole.json"
    )
    found[1].parent.mkdir()
    found[1].write_text('{"Statement": []}')
    assert ui.role_line(*found).endswith(f"DataTeamRole, its grants in {tmp_path}/roles/DataTeamRole.json")
