"""A DAG that triggers another DAG with the amazon provider's MwaaTriggerDagRunOperator: task →
boto3 `mwaa` → the control plane's InvokeRestApi → the target environment's edge → Airflow's
REST API. The operator runs on Airflow 3 only: the amazon provider MWAA pins for 2.10.3
predates it, as on MWAA; an Airflow 2 environment can be its target."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import pytest

from tests.support import Environment, wait_for


def trigger_through_mwaa(source: Environment, target: Environment) -> str:
    """Run it_mwaa_trigger in `source` against it_mwaa_target in `target`; the target's run conf."""
    target.ensure_dag("it_mwaa_target")
    source.ensure_dag("it_mwaa_trigger")
    target_run = f"from_operator_{secrets.token_hex(3)}"
    conf = {"env_name": target.name, "target_run_id": target_run, "logical_date": datetime.now(UTC).isoformat()}
    state = source.run_dag("it_mwaa_trigger", f"trigger_{target_run}", conf)
    assert state == "success", source.logs()[-3000:]
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


def test_it_triggers_a_dag_of_another_environment(both: list[Environment]) -> None:
    source = next(environment for environment in both if environment.family == 3)
    target = next(environment for environment in both if environment.family == 2)
    assert "MwaaTriggerDagRunOperator" in trigger_through_mwaa(source, target)
