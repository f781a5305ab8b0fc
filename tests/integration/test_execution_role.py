"""Tasks act as their environment's execution role, as on MWAA: by default they read their own
bucket and nothing more (S3's AccessDenied, the MWAA API's AccessDeniedException); a grant in the
role's policy file applies to the running environment; and no secret of the region reaches an
Airflow container."""

from __future__ import annotations

import json
import secrets
import subprocess

from emulator.state.settings import state_home
from tests.support import Environment, cli, region_exports, role_grants, s3_write_allowed, wait_for


def role_outcomes(environment: Environment) -> dict[str, str]:
    run = f"it_role_{secrets.token_hex(3)}"
    state = environment.run_dag(
        "it_role", run, {"bucket": environment.bucket, "run": run, "env_name": environment.name}
    )
    assert state == "success", environment.task_log("it_role", run)[-4000:]
    return environment.xcoms("it_role", run)


def test_a_task_gets_its_roles_refusals_until_the_role_is_granted_more(environment: Environment) -> None:
    environment.ensure_dag("it_role")
    assert role_outcomes(environment) == {
        "read_own_dags": "True",
        "write_own_bucket": "AccessDenied",
        "get_own_environment": "AccessDeniedException",
    }

    grants = (
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{environment.bucket}/it-role/*"},
        {"Effect": "Allow", "Action": "airflow:GetEnvironment", "Resource": "*"},
    )
    with role_grants(*grants):
        role = environment.s3_as_role()
        wait_for(lambda: s3_write_allowed(role, environment.bucket, "it-role/probe.txt"), 30, "the grant in S3")
        assert role_outcomes(environment) == {
            "read_own_dags": "True",
            "write_own_bucket": "written",
            "get_own_environment": environment.name,
        }
        status = cli(environment.workspace, "status").stdout
        assert f"execution role: mwaa-local-execution-role, its grants in {state_home()}/roles/" in status
    role = environment.s3_as_role()
    wait_for(lambda: not s3_write_allowed(role, environment.bucket, "it-role/probe.txt"), 30, "the grant's removal")


def test_no_secret_of_the_region_reaches_an_airflow_container(environment: Environment) -> None:
    exports = region_exports(environment.workspace)
    region_key, region_secret = exports["AWS_ACCESS_KEY_ID"], exports["AWS_SECRET_ACCESS_KEY"]
    names = [container.name for container in environment.project.containers()]
    inspected = json.loads(
        subprocess.run(["docker", "inspect", *names], capture_output=True, text=True, check=True).stdout
    )
    role_key = environment.role_keys().access_key
    for container in inspected:
        variables = "\n".join(container["Config"]["Env"] or [])
        assert region_key not in variables and region_secret not in variables, container["Name"]
        if container["Config"]["Labels"].get("com.docker.compose.service") in ("scheduler", "worker", "hybrid"):
            assert f"AWS_ACCESS_KEY_ID={role_key}" in variables, container["Name"]
