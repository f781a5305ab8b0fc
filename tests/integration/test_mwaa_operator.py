"""A DAG that triggers another DAG with the amazon provider's MwaaTriggerDagRunOperator and waits
for it: task → boto3 `mwaa` as the execution role → the control plane's InvokeRestApi → the
target environment's edge → Airflow's REST API. The role may do that only once granted
airflow:InvokeRestApi on the target. The operator runs on Airflow 3 only: the amazon provider
MWAA pins for 2.10.3 predates it, as on MWAA; an Airflow 2 environment can be its target."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import pytest

from tests.support import Environment, role_grants, wait_for


def invoke_grant(target: Environment, airflow_role: str = "User") -> dict[str, str]:
    resource = f"arn:aws:airflow:us-east-1:000000000000:role/{target.name}/{airflow_role}"
    return {"Effect": "Allow", "Action": "airflow:InvokeRestApi", "Resource": resource}


def start_trigger(source: Environment, target: Environment) -> tuple[str, str, dict[str, str]]:
    """The it_mwaa_trigger run id, the target run id and the conf of a run against `target`."""
    target.ensure_dag("it_mwaa_target")
    target.unpause("it_mwaa_target")  # else the run it is given waits queued, as on MWAA
    source.ensure_dag("it_mwaa_trigger")
    target_run = f"from_operator_{secrets.token_hex(3)}"
    conf = {"env_name": target.name, "target_run_id": target_run, "logical_date": datetime.now(UTC).isoformat()}
    return f"trigger_{target_run}", target_run, conf


def trigger_through_mwaa(source: Environment, target: Environment) -> str:
    """Run it_mwaa_trigger in `source` against it_mwaa_target in `target`, the role granted;
    the target's run conf (the operator waited for that run: it finished first)."""
    run, target_run, conf = start_trigger(source, target)
    with role_grants(invoke_grant(target)):
        state = source.run_dag("it_mwaa_trigger", run, conf)
    assert state == "success", (
        source.task_log("it_mwaa_trigger", run)[-4000:] + target.task_log("it_mwaa_target", target_run)[-3000:]
    )
    assert target.run_state("it_mwaa_target", target_run) == "success", "wait_for_completion waited for it"
    column = "conf::text" if target.family == 3 else "encode(conf, 'escape')"  # Airflow 2 pickles it
    rows = wait_for(
        lambda: target.sql(
            f"SELECT {column}, run_type FROM dag_run WHERE dag_id = 'it_mwaa_target' AND run_id = '{target_run}'"
        ),
        60,
        "the run the operator triggered",
    )
    assert rows[0][1] == "manual"
    return rows[0][0]


@pytest.mark.parametrize("environment", ["3.3.1"], indirect=True)
def test_mwaa_trigger_dag_run_operator_triggers_a_dag_of_the_same_environment(environment: Environment) -> None:
    assert '"from": "MwaaTriggerDagRunOperator"' in trigger_through_mwaa(environment, environment)


def test_it_triggers_a_dag_of_another_environment_once_the_role_may(both: list[Environment]) -> None:
    source = next(environment for environment in both if environment.family == 3)
    target = next(environment for environment in both if environment.family == 2)
    run, target_run, conf = start_trigger(source, target)
    with role_grants(invoke_grant(source)):  # a grant on another environment is no grant on this one
        assert source.run_dag("it_mwaa_trigger", run, conf) == "failed"
    assert target.run_state("it_mwaa_target", target_run) is None
    log = source.task_log("it_mwaa_trigger", run)
    assert "assumed-role/mwaa-local-execution-role/AmazonMWAA-airflow is not authorized to perform: airflow:" in log

    assert "MwaaTriggerDagRunOperator" in trigger_through_mwaa(source, target)
